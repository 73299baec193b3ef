/*
 * Unit tests of analysis/fingerprint.c: a fingerprint is FNV-1a 64 of the finding's key as
 * documented (a value computed independently pins it, since baselines in users' repositories
 * depend on it), it ignores where a finding is, every key field changes it, and equal
 * findings in a package are told apart by their order alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "goescape/fingerprint.h"

static struct ge_finding finding(const char *func, uint8_t cat, const char *subject,
                                 const char *cause, uint32_t line)
{
    return (struct ge_finding){.category = cat,
                               .func = (char *)func,
                               .subject = (char *)subject,
                               .cause = (char *)cause,
                               .path = "/m/a.go",
                               .line = line,
                               .col = 2,
                               .span = {.start = line * 10, .end = line * 10 + 1}};
}

/* Computed outside goescape from the definition in fingerprint.h (Python, FNV-1a 64). */
static void test_known_value(void **state)
{
    (void)state;
    struct ge_fingerprint_key key = {.package = "example.com/m",
                                     .function = "A",
                                     .category = "moved",
                                     .subject = "x",
                                     .cause = "returned from A"};
    char fp[GE_FINGERPRINT_SIZE];
    ge_fingerprint(&key, fp);
    assert_string_equal(fp, "0bb63fa651587624");
}

static void test_position_does_not_count(void **state)
{
    (void)state;
    struct ge_finding a = finding("F", GE_CAT_MOVED, "x", "returned from F", 4);
    struct ge_finding b = finding("F", GE_CAT_MOVED, "x", "returned from F", 9);
    b.path = "/m/other.go";
    b.col = 17;
    char fa[1][GE_FINGERPRINT_SIZE], fb[1][GE_FINGERPRINT_SIZE];
    ge_fingerprint_set("example.com/m", &a, 1, fa);
    ge_fingerprint_set("example.com/m", &b, 1, fb);
    assert_string_equal(fa[0], fb[0]);
}

static void test_every_field_counts(void **state)
{
    (void)state;
    struct ge_fingerprint_key base = {"p", "F", "moved", "x", "returned from F", 0};
    struct ge_fingerprint_key vary[] = {
        {"q", "F", "moved", "x", "returned from F", 0},
        {"p", "G", "moved", "x", "returned from F", 0},
        {"p", "F", "slice", "x", "returned from F", 0},
        {"p", "F", "moved", "y", "returned from F", 0},
        {"p", "F", "moved", "x", "captured", 0},
        {"p", "F", "moved", "x", "returned from F", 1},
        /* Field boundaries count: "F"+"moved" is not "Fm"+"oved". */
        {"p", "Fm", "oved", "x", "returned from F", 0},
    };
    char fp0[GE_FINGERPRINT_SIZE], fp[GE_FINGERPRINT_SIZE];
    ge_fingerprint(&base, fp0);
    for (size_t i = 0; i < sizeof vary / sizeof vary[0]; i++) {
        ge_fingerprint(&vary[i], fp);
        assert_string_not_equal(fp0, fp);
        assert_int_equal(strlen(fp), GE_FINGERPRINT_HEX);
    }
    /* NULL reads as "". */
    struct ge_fingerprint_key null_func = {"p", NULL, "moved", "x", "c", 0};
    struct ge_fingerprint_key empty_func = {"p", "", "moved", "x", "c", 0};
    ge_fingerprint(&null_func, fp0);
    ge_fingerprint(&empty_func, fp);
    assert_string_equal(fp0, fp);
}

/* Layout in the source text of subject and cause does not count; words still do. */
static void test_layout_does_not_count(void **state)
{
    (void)state;
    static const char *const same[][2] = {
        {"append(out, &v)", "append(out,&v)"},
        {"[]int{\n\t\t1,\n\t\t2,\n\t}", "[]int{1,2,}"},
        {"a + b", "a+b"},
        {"struct {  x int }{}", "struct{x int}{}"},
        {" x ", "x"},
    };
    char fa[GE_FINGERPRINT_SIZE], fb[GE_FINGERPRINT_SIZE];
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        struct ge_fingerprint_key a = {"p", "F", "slice", same[i][0], "passed to f(a, b)", 0};
        struct ge_fingerprint_key b = {"p", "F", "slice", same[i][1], "passed to f(a,b)", 0};
        ge_fingerprint(&a, fa);
        ge_fingerprint(&b, fb);
        assert_string_equal(fa, fb);
    }
    struct ge_fingerprint_key two = {"p", "F", "moved", "struct{x int}", "c", 0};
    struct ge_fingerprint_key one = {"p", "F", "moved", "struct{xint}", "c", 0};
    ge_fingerprint(&two, fa);
    ge_fingerprint(&one, fb);
    assert_string_not_equal(fa, fb);
}

/* Two equal findings differ by their order; a finding with another key added before them,
 * or moving both down, leaves all fingerprints as they were. */
static void test_ordinals(void **state)
{
    (void)state;
    struct ge_finding two[] = {finding("F", GE_CAT_MOVED, "v", "appended to a slice", 3),
                               finding("F", GE_CAT_MOVED, "v", "appended to a slice", 8)};
    char f2[2][GE_FINGERPRINT_SIZE];
    ge_fingerprint_set("p", two, 2, f2);
    assert_string_not_equal(f2[0], f2[1]);

    struct ge_finding three[] = {finding("F", GE_CAT_SLICE, "s", "returned from F", 2),
                                 finding("F", GE_CAT_MOVED, "v", "appended to a slice", 30),
                                 finding("G", GE_CAT_MOVED, "v", "appended to a slice", 40),
                                 finding("F", GE_CAT_MOVED, "v", "appended to a slice", 50)};
    char f3[4][GE_FINGERPRINT_SIZE];
    ge_fingerprint_set("p", three, 4, f3);
    assert_string_equal(f2[0], f3[1]);
    assert_string_equal(f2[1], f3[3]);
    assert_string_not_equal(f3[2], f3[1]);

    /* The first of the equal findings has ordinal 0: the fingerprint of a lone finding. */
    char f1[1][GE_FINGERPRINT_SIZE];
    ge_fingerprint_set("p", &two[1], 1, f1);
    assert_string_equal(f1[0], f2[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_value),        cmocka_unit_test(test_position_does_not_count),
        cmocka_unit_test(test_every_field_counts), cmocka_unit_test(test_layout_does_not_count),
        cmocka_unit_test(test_ordinals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
