/*
 * Unit tests of analysis/assert.c: which comments are assertions, what code each one covers
 * (its line, the line below, a whole function), and the verdicts against findings: broken,
 * allowed, unmatched, and a bare allow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "goescape/assert.h"

static const char SRC[] = "package p\n"                               /* 0 */
                          "\n"                                        /* 1 */
                          "func f() *int {\n"                         /* 2 */
                          "\tx := new(int) //goescape:noescape\n"     /* 3 */
                          "\t//gcassert:noescape\n"                   /* 4 */
                          "\ty := new(int)\n"                         /* 5 */
                          "\tz := g(x) // goescape:allow cold path\n" /* 6 */
                          "\tw := g(y) //goescape:allow\n"            /* 7 */
                          "\ts := \"//goescape:noescape\"\n"          /* 8 */
                          "\t//goescape:noescape\n"                   /* 9 */
                          "\n"                                        /* 10 */
                          "\treturn x\n"                              /* 11 */
                          "}\n"                                       /* 12 */
                          "\n"                                        /* 13 */
                          "// h returns nothing.\n"                   /* 14 */
                          "//\n"                                      /* 15 */
                          "//goescape:noescape\n"                     /* 16 */
                          "func h(p *int) {\n"                        /* 17 */
                          "\tq := &T{}\n"                             /* 18 */
                          "}\n";                                      /* 19 */

static uint32_t at(const char *needle)
{
    const char *p = strstr(SRC, needle);
    assert_non_null(p);
    return (uint32_t)(p - SRC);
}

static struct ge_finding finding(const char *needle, enum ge_category cat)
{
    uint32_t s = at(needle);
    return (struct ge_finding){.category = cat, .span = {s, s + (uint32_t)strlen(needle)}};
}

static void test_scan(void **state)
{
    (void)state;
    struct ge_assertion *a;
    size_t n = ge_assert_scan(SRC, strlen(SRC), &a);
    /* The directive inside a string is not one. */
    assert_int_equal(n, 6);
    assert_int_equal(a[0].kind, GE_ASSERT_NOESCAPE);
    assert_int_equal(a[0].target_line, 3);
    assert_false(a[0].func_scope);
    assert_true(a[1].gcassert);
    assert_string_equal(ge_assert_name(&a[1]), "gcassert:noescape");
    assert_int_equal(a[1].line, 4);
    assert_int_equal(a[1].target_line, 5);
    assert_int_equal(a[2].kind, GE_ASSERT_ALLOW);
    assert_string_equal(a[2].reason, "cold path");
    assert_string_equal(a[3].reason, "");
    /* A blank line below: nothing is covered. */
    assert_int_equal(a[4].target.start, a[4].target.end);
    /* In a doc comment: the whole function. */
    assert_true(a[5].func_scope);
    assert_int_equal(a[5].target.start, at("func h"));
    assert_true(a[5].target.end > at("&T{}"));
    /* The comment's own bytes, for removal. */
    assert_int_equal(a[0].comment.start, at("//goescape:noescape\n"));
    free(a);
}

static void test_not_directives(void **state)
{
    (void)state;
    const char *texts[] = {"x := 1 //goescape:noescaped\n", "x := 1 // goescape:allowed\n",
                           "x := 1 // see goescape:noescape\n", "x := 1\n"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        struct ge_assertion *a;
        assert_int_equal(ge_assert_scan(texts[i], strlen(texts[i]), &a), 0);
        free(a);
    }
    struct ge_assertion *a;
    const char *block = "x := g() /* goescape:allow hot loop */\n";
    assert_int_equal(ge_assert_scan(block, strlen(block), &a), 1);
    assert_string_equal(a[0].reason, "hot loop");
    free(a);
}

static void test_verdicts(void **state)
{
    (void)state;
    struct ge_assertion *a;
    size_t na = ge_assert_scan(SRC, strlen(SRC), &a);
    struct ge_finding items[] = {
        finding("new(int) //", GE_CAT_POINTER), /* breaks a[0] */
        finding("new(int)\n", GE_CAT_NOESCAPE), /* honours a[1] */
        finding("g(x)", GE_CAT_INTERFACE),      /* allowed by a[2] */
        finding("g(y)", GE_CAT_INTERFACE),      /* a bare allow: not allowed */
        finding("p *int", GE_CAT_NOESCAPE),     /* in h */
        finding("&T{}", GE_CAT_POINTER),        /* breaks a[5] */
    };
    struct ge_assert_result *r;
    size_t nr = ge_assert_check(a, na, items, sizeof items / sizeof *items, &r);
    assert_int_equal(nr, 5);
    assert_int_equal(r[0].verdict, GE_VERDICT_BROKEN);
    assert_int_equal(r[0].assertion, 0);
    assert_int_equal(r[0].finding, 0);
    assert_int_equal(r[1].verdict, GE_VERDICT_ALLOWED);
    assert_int_equal(r[1].finding, 2);
    assert_int_equal(r[2].verdict, GE_VERDICT_NO_REASON);
    assert_int_equal(r[2].assertion, 3);
    assert_int_equal(r[3].verdict, GE_VERDICT_UNMATCHED);
    assert_int_equal(r[3].assertion, 4);
    assert_int_equal(r[4].verdict, GE_VERDICT_BROKEN);
    assert_int_equal(r[4].assertion, 5);
    assert_int_equal(r[4].finding, 5);
    char *m = ge_assert_message_new(&a[5], &r[4], "&T{} escapes to heap: returned");
    assert_string_equal(m, "goescape:noescape on this function broken: &T{} escapes to heap: "
                           "returned");
    free(m);
    /* Without the facts, the noescape assertion of line 5 matches nothing. */
    free(r);
    nr = ge_assert_check(a, na, items, 1, &r);
    assert_int_equal(r[1].verdict, GE_VERDICT_UNMATCHED);
    assert_int_equal(r[1].assertion, 1);
    free(r);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_not_directives),
        cmocka_unit_test(test_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
