/*
 * Unit tests of analysis/filter.c: which goescape:ignore comments hide a finding (the forms
 * users write, the lines a mark covers, marks that are really inside literals) and the
 * category filter that goes with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "goescape/filter.h"

/* Is the code at the first occurrence of needle in text hidden? */
static bool hidden_at(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    assert_non_null(p);
    return ge_filter_ignored(text, strlen(text), (size_t)(p - text));
}

static void test_same_line_forms(void **state)
{
    (void)state;
    assert_true(hidden_at("package p\nfunc f() { x := g() //goescape:ignore\n}\n", "g()"));
    assert_true(hidden_at("package p\nfunc f() { x := g() // goescape:ignore\n}\n", "g()"));
    assert_true(hidden_at("package p\nfunc f() { x := g() //\tgoescape:ignore\n}\n", "g()"));
    assert_true(hidden_at("x := g() //goescape:ignore cold path, once per run\n", "g()"));
    assert_true(hidden_at("x := g() // goescape:ignore: measured, no allocation\n", "g()"));
    assert_true(hidden_at("x := g() /* goescape:ignore */\n", "g()"));
    assert_true(hidden_at("x := g() // see issue 7 // goescape:ignore\n", "g()"));
    assert_true(hidden_at("x := g() // goescape:ignore\r\ny := 1\r\n", "g()"));
    /* The mark may follow the finding's position or precede it on the line. */
    assert_true(hidden_at("/* goescape:ignore */ x := g()\n", "g()"));
    /* The last line of a text without a final newline. */
    assert_true(hidden_at("x := g() // goescape:ignore", "g()"));
}

static void test_not_marks(void **state)
{
    (void)state;
    assert_false(hidden_at("x := g()\n", "g()"));
    assert_false(hidden_at("x := g() //goescape:ignored\n", "g()"));
    assert_false(hidden_at("x := g() //goescape:ignore-all\n", "g()"));
    assert_false(hidden_at("x := g() //goescape:ignoreme\n", "g()"));
    assert_false(hidden_at("x := g() // do not goescape:ignore this\n", "g()"));
    assert_false(hidden_at("x := g() // goescape: ignore\n", "g()"));
}

static void test_line_above(void **state)
{
    (void)state;
    assert_true(hidden_at("func f() {\n\t//goescape:ignore\n\tx := g()\n}\n", "g()"));
    assert_true(hidden_at("func f() {\n\t// goescape:ignore\n\tx := g()\n}\n", "g()"));
    /* A reason on the following comment lines. */
    assert_true(hidden_at("func f() {\n\t// goescape:ignore: the buffer is reused\n"
                          "\t// by every caller, see pool.go\n\tx := g()\n}\n",
                          "g()"));
    /* Only the line just below the comment group. */
    assert_false(hidden_at("func f() {\n\t// goescape:ignore\n\ty := 1\n\tx := g()\n}\n", "g()"));
    /* A blank line ends the group. */
    assert_false(hidden_at("func f() {\n\t// goescape:ignore\n\n\tx := g()\n}\n", "g()"));
    /* A mark after code on the line above covers that line, not the next. */
    assert_false(hidden_at("func f() {\n\ty := h() // goescape:ignore\n\tx := g()\n}\n", "g()"));
    assert_true(hidden_at("func f() {\n\ty := h() // goescape:ignore\n\tx := g()\n}\n", "h()"));
}

static void test_group_cap(void **state)
{
    (void)state;
    char text[2048] = "// goescape:ignore\n";
    for (unsigned i = 0; i < GE_IGNORE_ABOVE_MAX - 1; i++)
        strcat(text, "// more words\n");
    strcat(text, "x := g()\n");
    assert_true(hidden_at(text, "g()"));
    char far[2048] = "// goescape:ignore\n";
    for (unsigned i = 0; i < GE_IGNORE_ABOVE_MAX; i++)
        strcat(far, "// more words\n");
    strcat(far, "x := g()\n");
    assert_false(hidden_at(far, "g()"));
}

static void test_inside_literals(void **state)
{
    (void)state;
    assert_false(hidden_at("x := g(\"//goescape:ignore\")\n", "g("));
    assert_false(hidden_at("x := g(\"a\\\" //goescape:ignore\")\n", "g("));
    assert_false(hidden_at("x := g('\"') + `// goescape:ignore`\n", "g("));
    /* A raw string over several lines: its second line looks like a comment line. */
    assert_false(hidden_at("s := `first\n// goescape:ignore\n` + g()\n", "g()"));
    assert_false(hidden_at("s := `first\n// goescape:ignore` + g()\n", "g()"));
    /* A block comment over several lines hides a "string" from the lexer, and the other way
     * round: the quote in the comment does not open a string. */
    assert_true(hidden_at("/* it's \" odd\n*/ x := g() // goescape:ignore\n", "g()"));
    /* After a closed literal, the comment counts again. */
    assert_true(hidden_at("x := g(\"//\", `a`, 'b') // goescape:ignore\n", "g("));
}

static void test_bounds(void **state)
{
    (void)state;
    const char *text = "x := g() // goescape:ignore\n";
    assert_false(ge_filter_ignored(text, strlen(text), strlen(text) + 1));
    assert_true(ge_filter_ignored(text, strlen(text), 0));
    assert_false(ge_filter_ignored(NULL, 0, 0));
    assert_false(ge_filter_ignored("", 0, 0));
    /* At the very end of the text: the last (empty) line, below a comment-only line. */
    const char *end = "// goescape:ignore\n";
    assert_true(ge_filter_ignored(end, strlen(end), strlen(end)));
}

static void test_shows(void **state)
{
    (void)state;
    bool cats[GE_CAT_COUNT] = {false};
    cats[GE_CAT_INTERFACE] = true;
    const char *text = "a := f(x)\nb := f(y) // goescape:ignore\n";
    struct ge_finding fa = {.category = GE_CAT_INTERFACE, .span = {7, 8}};
    struct ge_finding fb = {.category = GE_CAT_INTERFACE, .span = {17, 18}};
    struct ge_finding fm = {.category = GE_CAT_MAP, .span = {7, 8}};
    assert_true(ge_filter_shows(cats, text, strlen(text), &fa));
    assert_false(ge_filter_shows(cats, text, strlen(text), &fb));
    assert_false(ge_filter_shows(cats, text, strlen(text), &fm));
    /* Without a text only the category decides. */
    assert_true(ge_filter_shows(cats, NULL, 0, &fb));
    struct ge_finding bad = {.category = GE_CAT_COUNT};
    assert_false(ge_filter_shows(cats, text, strlen(text), &bad));
}

static bool skipped(struct ge_output_skip *s, const char *line)
{
    return ge_filter_skip_line(s, line, strlen(line));
}

static void test_skip_parameter_blocks(void **state)
{
    (void)state;
    struct ge_output_skip s = {0};
    assert_false(skipped(&s, "# example.com/m/a"));
    assert_true(skipped(&s, "./a.go:3:8: parameter p leaks to {heap} with derefs=0:"));
    assert_true(skipped(&s, "./a.go:3:8:   flow: {heap} = p:"));
    assert_true(skipped(&s, "./a.go:3:8:     from sink = p (assign) at ./a.go:4:7\r"));
    assert_true(skipped(&s, "./a.go:3:8: parameter q leaks to r for F with derefs=0:"));
    assert_true(skipped(&s, "./a.go:3:8: leaking param: p"));
    assert_true(skipped(&s, "./a.go:3:8: leaking param content: q"));
    assert_true(skipped(&s, "./a.go:9:2: s does not escape"));
    /* An escape's block and summary stay, and so do their continuation lines. */
    assert_false(skipped(&s, "./a.go:5:2: x escapes to heap:"));
    assert_false(skipped(&s, "./a.go:5:2:   flow: {heap} = &x:"));
    assert_false(skipped(&s, "./a.go:5:2:     from &x (address-of) at ./a.go:6:9"));
    assert_false(skipped(&s, "./a.go:5:2: moved to heap: x"));
    /* The inliner's lines carry no fact. */
    assert_true(skipped(&s, "./a.go:6:9: inlining call to strings.Clone"));
    assert_true(skipped(&s, "./a.go:2:6: can inline F with cost 4 as: func() { }"));
    assert_true(skipped(&s, "./a.go:8:6: cannot inline G: function too complex: cost 90"));
    /* A continuation at another position than the skipped block's is not the block's. */
    assert_true(skipped(&s, "./a.go:3:8: parameter p leaks to {heap} with derefs=0:"));
    assert_false(skipped(&s, "./a.go:30:8:   flow: {heap} = p:"));
    /* A header ends the block. */
    assert_true(skipped(&s, "./a.go:3:8: parameter p leaks to {heap} with derefs=0:"));
    assert_false(skipped(&s, "# example.com/m/a [example.com/m/a.test]"));
    assert_false(skipped(&s, "./a.go:3:8:   flow: {heap} = p:"));
    /* Lines without a position and compile errors go through. */
    assert_false(skipped(&s, "<unknown line number>: moved to heap: #next"));
    assert_false(skipped(&s, "./a.go:12:1: undefined: y"));
    /* With leaking parameters and non-escaping values shown, nothing is skipped. */
    struct ge_output_skip all = {.params = true, .noescape = true};
    assert_false(skipped(&all, "./a.go:3:8: parameter p leaks to {heap} with derefs=0:"));
    assert_false(skipped(&all, "./a.go:3:8:   flow: {heap} = p:"));
    assert_false(skipped(&all, "./a.go:3:8: leaking param: p"));
    assert_false(skipped(&all, "./a.go:9:2: s does not escape"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_line_forms), cmocka_unit_test(test_not_marks),
        cmocka_unit_test(test_line_above),      cmocka_unit_test(test_group_cap),
        cmocka_unit_test(test_inside_literals), cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_shows),           cmocka_unit_test(test_skip_parameter_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
