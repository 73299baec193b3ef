/*
 * Unit tests of protocol/buf.c: the hard cap on every operation that grows a buffer, the
 * NUL terminator after the data, and the splice and consume operations the framer and the
 * document store rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/buf.h"

static void test_empty(void **state)
{
    struct ge_buf b;
    ge_buf_init(&b, 16);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 16);
    ge_buf_consume(&b, 5);
    ge_buf_reset(&b);
    size_t n = 99;
    assert_null(ge_buf_steal(&b, &n));
    assert_int_equal(n, 0);
    assert_int_equal(ge_buf_append(&b, NULL, 0), 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    ge_buf_free(&b);
    ge_buf_free(&b);
}

static void test_append_and_cap(void **state)
{
    struct ge_buf b;
    ge_buf_init(&b, 8);
    assert_int_equal(ge_buf_appends(&b, "abcd"), 0);
    assert_int_equal(ge_buf_append(&b, "efgh", 4), 0);
    assert_string_equal(b.data, "abcdefgh");
    assert_int_equal(b.len, 8);
    /* At the cap nothing more fits, and a failed append changes nothing. */
    assert_int_equal(ge_buf_appends(&b, "i"), -ENOBUFS);
    assert_int_equal(ge_buf_reserve(&b, 1), -ENOBUFS);
    assert_int_equal(ge_buf_reserve(&b, SIZE_MAX), -ENOBUFS);
    assert_int_equal(ge_buf_printf(&b, "%d", 1), -ENOBUFS);
    assert_string_equal(b.data, "abcdefgh");
    assert_int_equal(ge_buf_reserve(&b, 0), 0);
    ge_buf_free(&b);
    /* Freed buffers keep their cap and can be used again. */
    assert_int_equal(ge_buf_appends(&b, "123456789"), -ENOBUFS);
    assert_null(b.data);
    assert_int_equal(ge_buf_appends(&b, "12345678"), 0);
    ge_buf_free(&b);

    ge_buf_init(&b, 0);
    assert_int_equal(ge_buf_appends(&b, "x"), -ENOBUFS);
    assert_int_equal(ge_buf_appends(&b, ""), 0);
    assert_string_equal(b.data, "");
    ge_buf_free(&b);
}

static void test_growth(void **state)
{
    struct ge_buf b;
    ge_buf_init(&b, 1u << 20);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(ge_buf_append(&b, "x", 1), 0);
    assert_int_equal(b.len, 100000);
    assert_true(b.cap >= b.len && b.cap <= b.max);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(ge_buf_reserve(&b, b.max - b.len), 0);
    assert_int_equal(b.cap, b.max);
    ge_buf_free(&b);
}

static void test_printf(void **state)
{
    struct ge_buf b;
    ge_buf_init(&b, 32);
    assert_int_equal(ge_buf_printf(&b, "Content-Length: %zu\r\n", (size_t)42), 0);
    assert_int_equal(ge_buf_printf(&b, "%s", ""), 0);
    assert_string_equal(b.data, "Content-Length: 42\r\n");
    assert_int_equal(b.len, strlen("Content-Length: 42\r\n"));
    assert_int_equal(ge_buf_printf(&b, "%020d", 1), -ENOBUFS);
    assert_string_equal(b.data, "Content-Length: 42\r\n");
    ge_buf_free(&b);
}

static void test_splice(void **state)
{
    struct ge_buf b;
    ge_buf_init(&b, 10);
    assert_int_equal(ge_buf_appends(&b, "hello"), 0);
    assert_int_equal(ge_buf_splice(&b, 1, 3, "EY", 2), 0);
    assert_string_equal(b.data, "hEYo");
    assert_int_equal(ge_buf_splice(&b, 4, 0, " you", 4), 0);
    assert_string_equal(b.data, "hEYo you");
    assert_int_equal(ge_buf_splice(&b, 0, 0, ">>", 2), 0);
    assert_string_equal(b.data, ">>hEYo you");
    assert_int_equal(ge_buf_splice(&b, 0, 0, "!", 1), -ENOBUFS);
    assert_int_equal(ge_buf_splice(&b, 0, 2, "!!!", 3), -ENOBUFS);
    assert_string_equal(b.data, ">>hEYo you");
    assert_int_equal(ge_buf_splice(&b, 11, 0, "", 0), -ERANGE);
    assert_int_equal(ge_buf_splice(&b, 5, 6, "", 0), -ERANGE);
    assert_int_equal(ge_buf_splice(&b, 5, SIZE_MAX, "", 0), -ERANGE);
    assert_int_equal(ge_buf_splice(&b, 2, 8, NULL, 0), 0);
    assert_string_equal(b.data, ">>");
    assert_int_equal(b.len, 2);
    ge_buf_free(&b);

    ge_buf_init(&b, 4);
    assert_int_equal(ge_buf_splice(&b, 0, 0, NULL, 0), 0);
    assert_string_equal(b.data, "");
    assert_int_equal(ge_buf_splice(&b, 1, 0, "x", 1), -ERANGE);
    ge_buf_free(&b);
}

static void test_consume_reset_steal(void **state)
{
    struct ge_buf b;
    ge_buf_init(&b, 64);
    assert_int_equal(ge_buf_appends(&b, "abcdef"), 0);
    ge_buf_consume(&b, 2);
    assert_string_equal(b.data, "cdef");
    ge_buf_consume(&b, 0);
    assert_string_equal(b.data, "cdef");
    ge_buf_consume(&b, 100);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(ge_buf_appends(&b, "xyz"), 0);
    ge_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(ge_buf_appends(&b, "kept"), 0);
    size_t n = 0;
    char *s = ge_buf_steal(&b, &n);
    assert_string_equal(s, "kept");
    assert_int_equal(n, 4);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 64);
    free(s);
    assert_int_equal(ge_buf_appends(&b, "again"), 0);
    s = ge_buf_steal(&b, NULL);
    assert_string_equal(s, "again");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),  cmocka_unit_test(test_append_and_cap),
        cmocka_unit_test(test_growth), cmocka_unit_test(test_printf),
        cmocka_unit_test(test_splice), cmocka_unit_test(test_consume_reset_steal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
