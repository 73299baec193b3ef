/*
 * Unit tests of the compiler-output parser: what real recordings from Go 1.19, 1.22 and 1.26
 * (the test module and net/http) show about particular facts, every line form one by one
 * (including the synthetic Go 1.26 forms), grouping of -m=2 blocks with their summary lines,
 * deduplication, and unknown lines. The counts of each recording (lines, facts by kind,
 * explained facts, unmatched blocks) and its every fact are checked as data by
 * test_recordings.c against the expected files beside the recordings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/buf.h"
#include "goescape/report.h"

static struct ge_report *parse_text(const char *s)
{
    struct ge_parser *p = NULL;
    assert_int_equal(ge_parser_create(&p), 0);
    struct ge_report *r = NULL;
    assert_int_equal(ge_parse(p, s, strlen(s), &r), 0);
    ge_parser_destroy(p);
    return r;
}

struct counts {
    size_t kind[4];
    size_t with_edges;
};

static struct counts count(const struct ge_report *r)
{
    struct counts c = {{0}, 0};
    for (size_t i = 0; i < r->nfacts; i++) {
        c.kind[r->facts[i].kind]++;
        c.with_edges += r->facts[i].nedges > 0;
    }
    return c;
}

static const struct ge_fact *find(const struct ge_report *r, enum ge_fact_kind kind,
                                  const char *file, uint32_t line, uint32_t col,
                                  const char *subject)
{
    for (size_t i = 0; i < r->nfacts; i++) {
        const struct ge_fact *f = &r->facts[i];
        if (f->kind == kind && f->line == line && f->col == col && strcmp(f->file, file) == 0 &&
            strcmp(f->subject, subject) == 0)
            return f;
    }
    return NULL;
}

static void assert_step(const struct ge_report_step *s, const char *what, const char *why,
                        const char *file, uint32_t line, uint32_t col)
{
    assert_string_equal(s->what, what);
    assert_string_equal(s->why, why);
    assert_string_equal(s->file, file);
    assert_int_equal(s->line, line);
    assert_int_equal(s->col, col);
}

/* ---- real recordings ---- */

static void test_go119_full_m2(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("go1.19/go119_full_m2.txt");

    const struct ge_fact *f =
        find(r, GE_FACT_ESCAPE, "maps/maps.go", 7, 11, "make(map[string]int)");
    assert_non_null(f);
    assert_string_equal(f->pkg, "example.com/escdemo/maps");
    assert_false(f->test_build);
    assert_null(f->func); /* Go 1.19 prints no "in FUNC" */
    assert_int_equal(f->nedges, 2);
    assert_string_equal(f->edges[0].dst, "m");
    assert_string_equal(f->edges[0].src, "&{storage for make(map[string]int)}");
    assert_int_equal(f->edges[0].nsteps, 2);
    assert_step(&f->edges[0].steps[0], "make(map[string]int)", "spill", "maps/maps.go", 7, 11);
    assert_step(&f->edges[0].steps[1], "m := make(map[string]int)", "assign", "maps/maps.go", 7, 4);
    assert_string_equal(f->edges[1].dst, "~r0");
    assert_step(&f->edges[1].steps[0], "return m", "return", "maps/maps.go", 9, 2);

    /* "x escapes to heap:" groups with "moved to heap: x" at the same position. */
    f = find(r, GE_FACT_MOVED, "big/big.go", 6, 6, "a");
    assert_non_null(f);
    assert_int_equal(f->nedges, 1);
    assert_string_equal(f->edges[0].dst, "{heap}");
    assert_step(&f->edges[0].steps[0], "a", "too large for stack", "big/big.go", 6, 6);

    /* WHAT with parentheses: the last " (WHY) at POS" is the reason. */
    f = find(r, GE_FACT_ESCAPE, "big/big.go", 22, 11, "make([]int, n)");
    assert_non_null(f);
    assert_step(&f->edges[0].steps[0], "make([]int, n)", "non-constant size", "big/big.go", 22, 11);
    ge_report_destroy(r);
}

static void test_go119_m_matches_m2(void **state)
{
    (void)state;
    struct ge_report *m1 = parse_file("go1.19/go119_full_m.txt");
    struct ge_report *m2 = parse_file("go1.19/go119_full_m2.txt");
    assert_int_equal(m1->nfacts, m2->nfacts);
    assert_int_equal(count(m1).with_edges, 0);
    for (size_t i = 0; i < m1->nfacts; i++) {
        const struct ge_fact *a = &m1->facts[i];
        assert_non_null(find(m2, a->kind, a->file, a->line, a->col, a->subject));
    }
    ge_report_destroy(m1);
    ge_report_destroy(m2);
}

static void test_go122_build(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("recordings/go122_testmod_build_m2.txt");

    /* Go 1.22 reports the make at its '(' and still knows "non-constant size". */
    const struct ge_fact *f = find(r, GE_FACT_ESCAPE, "big/big.go", 22, 11, "make([]int, n)");
    assert_non_null(f);
    assert_string_equal(f->edges[0].steps[0].why, "non-constant size");

    /* The closure captures sum by reference: the block explains "moved to heap: sum". */
    f = find(r, GE_FACT_MOVED, "closures/closures.go", 10, 2, "sum");
    assert_non_null(f);
    assert_string_equal(f->edges[0].dst, "{storage for func literal}");
    assert_string_equal(f->edges[0].src, "&sum");
    assert_step(&f->edges[0].steps[0], "sum", "captured by a closure", "closures/closures.go", 12,
                3);
    ge_report_destroy(r);
}

static void test_go126_build(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("recordings/go126_testmod_build_m2.txt");

    /* "EXPR escapes to heap in FUNC:" and the U+2190 arrow. */
    const struct ge_fact *f =
        find(r, GE_FACT_ESCAPE, "maps/maps.go", 7, 11, "make(map[string]int)");
    assert_non_null(f);
    assert_string_equal(f->func, "NewMap");
    assert_int_equal(f->nedges, 2);
    assert_string_equal(f->edges[1].dst, "~r0");
    assert_string_equal(f->edges[1].src, "m");
    assert_step(&f->edges[1].steps[0], "return m", "return", "maps/maps.go", 9, 2);

    /* Go 1.25+: a variable-size make stays on the stack. */
    assert_non_null(find(r, GE_FACT_NOESCAPE, "big/big.go", 22, 11, "make([]int, n)"));

    /* "append escapes to heap" takes the block "append(s, v...) escapes to heap in F:". */
    f = find(r, GE_FACT_ESCAPE, "big/big.go", 52, 15, "append");
    assert_non_null(f);
    assert_string_equal(f->func, "Appender");
    assert_string_equal(f->edges[0].src, "&{storage for append(s, v...)}");
    assert_non_null(find(r, GE_FACT_NOESCAPE, "big/big.go", 56, 21, "append"));

    /* "parameter P leaks to SINK for FUNC with derefs=N:" blocks, one per sink. */
    f = find(r, GE_FACT_PARAM, "misc/loop.go", 17, 12, "shapes");
    assert_non_null(f);
    assert_string_equal(f->param_detail, "content");
    assert_string_equal(f->func, "Areas");
    assert_string_equal(f->sink, "{heap}");
    assert_int_equal(f->nedges, 4);
    f = find(r, GE_FACT_PARAM, "big/big.go", 41, 9, "p");
    assert_non_null(f);
    assert_string_equal(f->param_detail, "to result ~r0 level=0");
    assert_string_equal(f->sink, "~r0");

    /* Constant propagation: explained as x, summarised as 1000, at one position. */
    f = find(r, GE_FACT_ESCAPE, "ifaces/ifaces.go", 20, 9, "1000");
    assert_non_null(f);
    assert_int_equal(f->nedges, 1);
    assert_string_equal(f->edges[0].src, "&{storage for x}");

    /* The go statement's own wrapper (20:3) has a block but no summary: dropped. */
    assert_null(find(r, GE_FACT_ESCAPE, "closures/closures.go", 20, 3, "func literal"));
    assert_non_null(find(r, GE_FACT_ESCAPE, "closures/closures.go", 20, 6, "func literal"));

    /* //line positions are kept as printed. */
    f = find(r, GE_FACT_MOVED, "template.tmpl", 101, 2, "x");
    assert_non_null(f);
    assert_string_equal(f->pkg, "example.com/escdemo/linedir");
    ge_report_destroy(r);
}

static void test_test_builds(void **state)
{
    (void)state;
    const char *files[] = {"go1.19/go119_test_c_m2_misc.txt",
                           "recordings/go122_testmod_test_c_m2_misc.txt",
                           "recordings/go126_testmod_test_c_m2_misc.txt"};
    for (size_t k = 0; k < 3; k++) {
        struct ge_report *r = parse_file(files[k]);
        const struct ge_fact *f = find(r, GE_FACT_MOVED, "misc/ext_test.go", 12, 2, "v");
        assert_non_null(f);
        assert_string_equal(f->pkg, "example.com/escdemo/misc_test");
        assert_true(f->test_build);
        f = find(r, GE_FACT_ESCAPE, "misc/misc_test.go", 14, 21, "map[string]int{...}");
        assert_non_null(f);
        assert_string_equal(f->pkg, "example.com/escdemo/misc");
        assert_true(f->test_build);
        assert_true(f->nedges >= 4);
        ge_report_destroy(r);
    }
}

static void test_nethttp(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("recordings/go126_nethttp_m2.stderr.gz");
    /* A step at "<unknown line number>" is kept with line 0. */
    bool unknown = false;
    for (size_t i = 0; i < r->nfacts; i++)
        for (size_t e = 0; e < r->facts[i].nedges; e++)
            for (size_t s = 0; s < r->facts[i].edges[e].nsteps; s++)
                unknown = unknown || r->facts[i].edges[e].steps[s].line == 0;
    assert_true(unknown);
    const struct ge_fact *f = find(r, GE_FACT_ESCAPE, "net/http/client.go", 770, 29, "append");
    assert_non_null(f);
    assert_string_equal(f->func, "(*Client).makeHeadersCopier");
    ge_report_destroy(r);
}

static void test_compile_error(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("go1.19/go119_compile_error_m.stderr");
    assert_int_equal(r->nfacts, 0);
    assert_int_equal(r->nothers, 1);
    assert_string_equal(r->others[0].pkg, "example.com/errmod");
    assert_string_equal(r->others[0].file, "./a.go");
    assert_int_equal(r->others[0].line, 9);
    assert_int_equal(r->others[0].col, 9);
    assert_string_equal(r->others[0].text, "undefined: undefinedThing");
    ge_report_destroy(r);
}

/* ---- line forms ---- */

static void test_synthetic_126(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("synthetic-go1.26-forms.txt");
    assert_int_equal(r->nothers, 0);
    /* zero-copy, mutates/calls param, "does not escape, mutate, or call", inlining with score,
     * considered 'big' */
    assert_int_equal(r->ninfo, 6);
    assert_int_equal(r->nfacts, 3);
    const struct ge_fact *f = find(r, GE_FACT_ESCAPE, "./x.go", 45, 16, "append");
    assert_non_null(f);
    assert_string_equal(f->func, "(*ConstantGrow).Grow");
    assert_non_null(find(r, GE_FACT_NOESCAPE, "./x.go", 45, 17, "append"));
    f = find(r, GE_FACT_MOVED, "./x.go", 5, 2, "x");
    assert_non_null(f);
    assert_true(f->truncated);
    assert_string_equal(f->func, "F");
    assert_step(&f->edges[0].steps[0], "&x", "address-of", "x.go", 6, 9);
    /* Blocks without summaries: the &ConstantGrow{} and three parameter blocks. */
    assert_int_equal(r->nunmatched, 4);
    ge_report_destroy(r);
}

static void test_param_block_forms(void **state)
{
    (void)state;
    struct ge_report *r = parse_text(
        "# example.com/p\n"
        "./x.go:5:16: parameter n leaks to {storage for func literal} for MakeAdder with "
        "derefs=0:\n"
        "./x.go:5:16:   flow: {storage for func literal} \xe2\x86\x90 n:\n"
        "./x.go:5:16:     from n (captured by a closure) at ./x.go:6:38\n"
        "./x.go:5:16: leaking param: n\n"
        "./x.go:27:10: parameter m leaks to {storage for map[string]int{...}} with derefs=1:\n"
        "./x.go:27:10:   flow: {storage for map[string]int{...}} = *m:\n"
        "./x.go:27:10: leaking param content: m\n"
        "./x.go:30:3: parameter gen.v leaks to gen.~r0 with derefs=0:\n"
        "./x.go:30:3: leaking param: gen.v to result gen.~r0 level=0\n");
    assert_int_equal(r->nothers, 0);
    assert_int_equal(r->nfacts, 3);
    const struct ge_fact *f = find(r, GE_FACT_PARAM, "./x.go", 5, 16, "n");
    assert_non_null(f);
    assert_string_equal(f->sink, "{storage for func literal}");
    assert_string_equal(f->func, "MakeAdder");
    assert_string_equal(f->param_detail, "");
    assert_string_equal(f->edges[0].dst, "{storage for func literal}");
    assert_string_equal(f->edges[0].src, "n");
    f = find(r, GE_FACT_PARAM, "./x.go", 27, 10, "m");
    assert_string_equal(f->sink, "{storage for map[string]int{...}}");
    assert_null(f->func);
    assert_string_equal(f->param_detail, "content");
    f = find(r, GE_FACT_PARAM, "./x.go", 30, 3, "gen.v");
    assert_string_equal(f->sink, "gen.~r0");
    assert_string_equal(f->param_detail, "to result gen.~r0 level=0");
    ge_report_destroy(r);
}

static void test_positions(void **state)
{
    (void)state;
    struct ge_report *r = parse_text("# example.com/p [example.com/p.test]\n"
                                     "<autogenerated>:1: x escapes to heap\n"
                                     "/home/u/p/a.go:3:4: moved to heap: y\n"
                                     "$WORK/b001/_testmain.go:41:6: new(T) escapes to heap\n"
                                     "a.tmpl:100:5[p/gen.go:6:2]: moved to heap: z\n"
                                     "b.tmpl:9:1 [p/b.go:2:3]: moved to heap: q\n"
                                     "C:12:x/b.go:7:8: w does not escape\r\n"
                                     "../gen/gen.go:1:2: &T{} does not escape");
    assert_int_equal(r->nothers, 0);
    assert_int_equal(r->nfacts, 7);
    assert_string_equal(find(r, GE_FACT_MOVED, "b.tmpl", 9, 1, "q")->orig_file, "p/b.go");
    const struct ge_fact *f = find(r, GE_FACT_ESCAPE, "<autogenerated>", 1, 0, "x");
    assert_non_null(f);
    assert_string_equal(f->pkg, "example.com/p");
    assert_true(f->test_build);
    assert_non_null(find(r, GE_FACT_MOVED, "/home/u/p/a.go", 3, 4, "y"));
    assert_non_null(find(r, GE_FACT_ESCAPE, "$WORK/b001/_testmain.go", 41, 6, "new(T)"));
    f = find(r, GE_FACT_MOVED, "a.tmpl", 100, 5, "z");
    assert_non_null(f);
    assert_string_equal(f->orig_file, "p/gen.go");
    assert_int_equal(f->orig_line, 6);
    assert_int_equal(f->orig_col, 2);
    assert_non_null(find(r, GE_FACT_NOESCAPE, "C:12:x/b.go", 7, 8, "w"));
    assert_non_null(find(r, GE_FACT_NOESCAPE, "../gen/gen.go", 1, 2, "&T{}"));
    ge_report_destroy(r);
}

static void test_subjects(void **state)
{
    (void)state;
    struct ge_report *r =
        parse_text("# p\n"
                   "a.go:1:2: \"x escapes to heap\" escapes to heap\n"
                   "a.go:1:3: a + b escapes to heap\n"
                   "a.go:1:4: ... argument does not escape\n"
                   "a.go:1:5: *(~R0) escapes to heap\n"
                   "a.go:1:6: ([]byte)(s) escapes to heap in F:\n"
                   "a.go:1:6:   flow: ~r0 = &{storage for ([]byte)(s)}:\n"
                   "a.go:1:6:     from make([]int, n) (non-constant size) at a.go:1:6\n"
                   "a.go:1:6:     from f(g(x), (y)) (call parameter) at a.go:2:1\n"
                   "a.go:1:6: ([]byte)(s) escapes to heap\n"
                   "a.go:1:7: \"x escapes to heap in y:\" escapes to heap in (*T).M:\n"
                   "a.go:1:7:   flow: {heap} = &{storage for \"x escapes to heap in y:\"}:\n"
                   "a.go:1:7: \"x escapes to heap in y:\" escapes to heap\n");
    assert_int_equal(r->nothers, 0);
    assert_non_null(find(r, GE_FACT_ESCAPE, "a.go", 1, 2, "\"x escapes to heap\""));
    assert_non_null(find(r, GE_FACT_ESCAPE, "a.go", 1, 3, "a + b"));
    assert_non_null(find(r, GE_FACT_NOESCAPE, "a.go", 1, 4, "... argument"));
    assert_non_null(find(r, GE_FACT_ESCAPE, "a.go", 1, 5, "*(~R0)"));
    const struct ge_fact *f = find(r, GE_FACT_ESCAPE, "a.go", 1, 6, "([]byte)(s)");
    assert_non_null(f);
    assert_string_equal(f->func, "F");
    assert_int_equal(f->edges[0].nsteps, 2);
    assert_step(&f->edges[0].steps[0], "make([]int, n)", "non-constant size", "a.go", 1, 6);
    assert_step(&f->edges[0].steps[1], "f(g(x), (y))", "call parameter", "a.go", 2, 1);
    /* The phrase inside the subject: the last " escapes to heap" the line fits wins. */
    f = find(r, GE_FACT_ESCAPE, "a.go", 1, 7, "\"x escapes to heap in y:\"");
    assert_non_null(f);
    assert_string_equal(f->func, "(*T).M");
    assert_int_equal(f->nedges, 1);
    ge_report_destroy(r);
}

/* The printer shortens a long string constant to "...", without its closing quote, so braces
 * inside it need not balance: {storage for X} is then closed by the '}' before the arrow. */
static void test_shortened_string_in_flow(void **state)
{
    (void)state;
    const char *subj =
        "([]byte)(\"{\\n\\\"object\\\": {\\n\\t\\\"slice\\\": [\\n\\t\\t1,\\n\\t\\t2.0,"
        "\\n\\t\\t\\\"3\\\",\\n\\t\\t...)";
    char text[4096];
    snprintf(text, sizeof(text),
             "# example.com/scanner\n"
             "./scanner.go:51:14: %s escapes to heap in Long:\n"
             "./scanner.go:51:14:   flow: {storage for %s} \xe2\x86\x90 &{storage for %s}:\n"
             "./scanner.go:51:14:     from %s (spill) at ./scanner.go:51:14\n"
             "./scanner.go:51:14:     from %s (interface-converted) at ./scanner.go:51:13\n"
             "./scanner.go:51:14: %s escapes to heap\n"
             "./scanner.go:52:2: x escapes to heap:\n"
             "./scanner.go:52:2:   flow: {storage for \"{\"} = &{storage for x}:\n"
             "./scanner.go:52:2:     from x (spill) at ./scanner.go:52:2\n"
             "./scanner.go:52:2: x escapes to heap\n",
             subj, subj, subj, subj, subj, subj);
    struct ge_report *r = parse_text(text);
    assert_int_equal(r->nothers, 0);
    const struct ge_fact *f = find(r, GE_FACT_ESCAPE, "./scanner.go", 51, 14, subj);
    assert_non_null(f);
    assert_int_equal(f->nedges, 1);
    char dst[512];
    snprintf(dst, sizeof(dst), "{storage for %s}", subj);
    assert_string_equal(f->edges[0].dst, dst);
    assert_int_equal(f->edges[0].nsteps, 2);
    f = find(r, GE_FACT_ESCAPE, "./scanner.go", 52, 2, "x");
    assert_string_equal(f->edges[0].dst, "{storage for \"{\"}");
    ge_report_destroy(r);
}

static void test_grouping_out_of_order(void **state)
{
    (void)state;
    /* Blocks wait for their summaries across other lines; two blocks at one position are
     * told apart by subject (fmt.Sprintf arguments are reported at the first argument). */
    struct ge_report *r = parse_text("# p\n"
                                     "a.go:4:2: n escapes to heap:\n"
                                     "a.go:4:2:   flow: {heap} = &{storage for n}:\n"
                                     "a.go:4:2:     from n (spill) at a.go:4:2\n"
                                     "a.go:4:2: name escapes to heap:\n"
                                     "a.go:4:2:   flow: ~r0 = &{storage for name}:\n"
                                     "a.go:4:2:     from return name (return) at a.go:4:9\n"
                                     "a.go:3:1: F capturing by value: q (addr=false)\n"
                                     "a.go:9:9: can inline G\n"
                                     "a.go:4:2: name escapes to heap\n"
                                     "a.go:4:2: n escapes to heap\n");
    assert_int_equal(r->nfacts, 2);
    assert_int_equal(r->ninfo, 2);
    const struct ge_fact *n = find(r, GE_FACT_ESCAPE, "a.go", 4, 2, "n");
    const struct ge_fact *name = find(r, GE_FACT_ESCAPE, "a.go", 4, 2, "name");
    assert_string_equal(n->edges[0].dst, "{heap}");
    assert_string_equal(name->edges[0].dst, "~r0");
    assert_int_equal(r->nunmatched, 0);
    ge_report_destroy(r);
}

static void test_dedupe(void **state)
{
    (void)state;
    /* The same file compiled for the package and for its test binary; the second copy is
     * explained, the first is not. Identical lines repeat within one block too. */
    struct ge_report *r = parse_text("# example.com/p\n"
                                     "p/a.go:3:2: moved to heap: x\n"
                                     "p/a.go:3:2: moved to heap: x\n"
                                     "p/a.go:5:9: leaking param: p to result ~r0 level=0\n"
                                     "p/a.go:5:9: leaking param: p to result ~r1 level=0\n"
                                     "# example.com/p [example.com/p.test]\n"
                                     "p/a.go:3:2: x escapes to heap:\n"
                                     "p/a.go:3:2:   flow: {heap} = &x:\n"
                                     "p/a.go:3:2:     from &x (address-of) at p/a.go:4:7\n"
                                     "p/a.go:3:2: moved to heap: x\n"
                                     "p/a_test.go:3:2: moved to heap: x\n");
    assert_int_equal(r->nfacts, 4);
    const struct ge_fact *f = &r->facts[0];
    assert_string_equal(f->subject, "x");
    assert_string_equal(f->pkg, "example.com/p");
    assert_false(f->test_build);
    assert_int_equal(f->nedges, 1); /* taken from the [p.test] copy */
    assert_string_equal(r->facts[1].param_detail, "to result ~r0 level=0");
    assert_string_equal(r->facts[2].param_detail, "to result ~r1 level=0");
    assert_string_equal(r->facts[3].file, "p/a_test.go");
    ge_report_destroy(r);
}

static void test_unknown_lines(void **state)
{
    (void)state;
    struct ge_report *r = parse_text("go: downloading example.com/x v1.0.0\n"
                                     "# example.com/p\n"
                                     "p/a.go:1:2: something new in Go 1.30\n"
                                     "p/a.go:3:4:     from x (spill) at p/a.go:3:4\n"
                                     "p/a.go:1:2: function F considered 'big'; reducing max cost "
                                     "of inlinees\n"
                                     "F capturing by ref: #next (addr=false assign=true width=8)\n"
                                     "# not a header [\n"
                                     "\n"
                                     "p/a.go:7:1: \xff\xfe escapes to heap\n");
    assert_int_equal(r->nlines, 9);
    assert_int_equal(r->ninfo, 2);
    assert_int_equal(r->nothers, 5);
    assert_null(r->others[0].pkg);
    assert_null(r->others[0].file);
    assert_string_equal(r->others[0].text, "go: downloading example.com/x v1.0.0");
    assert_string_equal(r->others[1].pkg, "example.com/p");
    assert_string_equal(r->others[1].file, "p/a.go");
    assert_int_equal(r->others[1].line, 1);
    assert_string_equal(r->others[1].text, "something new in Go 1.30");
    /* A step with no block open is not a fact. */
    assert_string_equal(r->others[2].text, "    from x (spill) at p/a.go:3:4");
    assert_string_equal(r->others[3].text, "# not a header [");
    /* Invalid UTF-8 never matches a message pattern (PCRE2_MATCH_INVALID_UTF): the line is
     * kept as an unknown line, and the parser goes on. */
    assert_int_equal(r->nfacts, 0);
    assert_string_equal(r->others[4].text, "\xff\xfe escapes to heap");
    ge_report_destroy(r);
}

static void test_empty_and_reuse(void **state)
{
    (void)state;
    struct ge_parser *p = NULL;
    assert_int_equal(ge_parser_create(&p), 0);
    struct ge_report *r = NULL;
    assert_int_equal(ge_parse(p, "", 0, &r), 0);
    assert_int_equal(r->nlines, 0);
    assert_int_equal(r->nfacts, 0);
    ge_report_destroy(r);
    /* One parser, many inputs: no state leaks from one report into the next. */
    for (int i = 0; i < 3; i++) {
        const char *s = "# p\na.go:1:2: moved to heap: x\na.go:1:2: moved to heap: x";
        assert_int_equal(ge_parse(p, s, strlen(s), &r), 0);
        assert_int_equal(r->nfacts, 1);
        assert_int_equal(r->nlines, 3);
        ge_report_destroy(r);
    }
    ge_parser_destroy(p);
    ge_report_destroy(NULL);
    ge_parser_destroy(NULL);
}

/* ---- streaming ---- */

static void dump_str(struct ge_buf *b, const char *s)
{
    ge_buf_appends(b, s ? s : "(null)");
    ge_buf_appends(b, "|");
}

/* Everything a report holds, as text, so two reports compare with one strcmp. */
static char *dump(const struct ge_report *r)
{
    struct ge_buf b;
    ge_buf_init(&b, (size_t)1 << 30);
    ge_buf_printf(&b, "%zu %zu %zu %zu %zu %zu\n", r->nlines, r->ninfo, r->nunmatched, r->nfacts,
                  r->nothers, r->ndropped);
    for (size_t i = 0; i < r->nfacts; i++) {
        const struct ge_fact *f = &r->facts[i];
        ge_buf_printf(&b, "%d %d %u:%u %u:%u %u %d|", f->kind, f->test_build, f->line, f->col,
                      f->orig_line, f->orig_col, f->nedges, f->truncated);
        const char *strs[] = {f->pkg,          f->file, f->subject,  f->func,
                              f->param_detail, f->sink, f->orig_file};
        for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
            dump_str(&b, strs[k]);
        for (size_t e = 0; e < f->nedges; e++) {
            dump_str(&b, f->edges[e].dst);
            dump_str(&b, f->edges[e].src);
            for (size_t k = 0; k < f->edges[e].nsteps; k++) {
                const struct ge_report_step *st = &f->edges[e].steps[k];
                ge_buf_printf(&b, "%u:%u|", st->line, st->col);
                dump_str(&b, st->what);
                dump_str(&b, st->why);
                dump_str(&b, st->file);
            }
        }
        ge_buf_appends(&b, "\n");
    }
    for (size_t i = 0; i < r->nothers; i++) {
        const struct ge_report_line *l = &r->others[i];
        ge_buf_printf(&b, "%u:%u|", l->line, l->col);
        dump_str(&b, l->pkg);
        dump_str(&b, l->file);
        dump_str(&b, l->text);
        ge_buf_appends(&b, "\n");
    }
    return ge_buf_steal(&b, NULL);
}

/* Feeds data in chunks of the given size (0: sizes from a fixed pseudo-random sequence). */
static char *dump_streamed(struct ge_parser *p, const char *data, size_t len, size_t chunk)
{
    uint32_t seed = 12345;
    ge_parse_begin(p);
    for (size_t off = 0; off < len;) {
        size_t n = chunk;
        if (n == 0) {
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 8) % 3000;
        }
        if (n > len - off)
            n = len - off;
        /* A private copy that is wiped after the call: nothing may point into it. */
        char *copy = malloc(n);
        memcpy(copy, data + off, n);
        ge_parse_feed(p, copy, n);
        memset(copy, 'X', n);
        free(copy);
        off += n;
    }
    struct ge_report *r = NULL;
    assert_int_equal(ge_parse_end(p, &r), 0);
    char *d = dump(r);
    ge_report_destroy(r);
    return d;
}

static void assert_streams_alike(const char *rel, const size_t *chunks, size_t nchunks)
{
    size_t len = 0;
    char *data = load(rel, &len);
    struct ge_parser *p = NULL;
    assert_int_equal(ge_parser_create(&p), 0);
    struct ge_report *whole = NULL;
    assert_int_equal(ge_parse(p, data, len, &whole), 0);
    assert_true(whole->nfacts > 0);
    char *want = dump(whole);
    ge_report_destroy(whole);
    for (size_t i = 0; i < nchunks; i++) {
        char *got = dump_streamed(p, data, len, chunks[i]);
        if (strcmp(got, want) != 0)
            fail_msg("%s: feeding chunks of %zu bytes gives a different report", rel, chunks[i]);
        free(got);
    }
    free(want);
    ge_parser_destroy(p);
    free(data);
}

static void test_streaming_matches_whole(void **state)
{
    (void)state;
    static const size_t small[] = {1, 2, 3, 17, 0, 4096};
    assert_streams_alike("go1.19/go119_full_m2.txt", small, 6);
    assert_streams_alike("recordings/go126_testmod_test_c_m2_misc.txt", small, 6);
    static const size_t big[] = {0, 4093, 65536};
    assert_streams_alike("recordings/go126_nethttp_m2.stderr.gz", big, 3);
    assert_streams_alike("go1.19/go119_nethttp_m2_run1.stderr.gz", big, 3);
}

static void test_stream_caps(void **state)
{
    (void)state;
    struct ge_parser *p = NULL;
    assert_int_equal(ge_parser_create(&p), 0);
    /* A line longer than GE_PARSE_LINE_MAX, fed in pieces: kept cut, and the next line is
     * read as usual. */
    ge_parse_begin(p);
    ge_parse_feed(p, "# p\na.go:1:2: ", 14);
    char *junk = malloc(65536);
    memset(junk, 'y', 65536);
    for (size_t sent = 0; sent < (size_t)GE_PARSE_LINE_MAX + 200000; sent += 65536)
        ge_parse_feed(p, junk, 65536);
    ge_parse_feed(p, "\na.go:3:4: moved to heap: x\n", 28);
    struct ge_report *r = NULL;
    assert_int_equal(ge_parse_end(p, &r), 0);
    assert_int_equal(r->nlines, 3);
    assert_int_equal(r->nothers, 1);
    assert_int_equal(strlen(r->others[0].text), GE_REPORT_LINE_MAX);
    assert_int_equal(r->nfacts, 1);
    assert_string_equal(r->facts[0].subject, "x");
    ge_report_destroy(r);
    /* A flood of unknown lines: the first GE_REPORT_OTHERS_MAX are kept, the rest counted. */
    ge_parse_begin(p);
    for (unsigned i = 0; i < GE_REPORT_OTHERS_MAX + 50; i++)
        ge_parse_feed(p, "a.go:1:2: junk\n", 15);
    ge_parse_feed(p, "a.go:3:4: moved to heap: y", 26);
    assert_int_equal(ge_parse_end(p, &r), 0);
    assert_int_equal(r->nothers, GE_REPORT_OTHERS_MAX);
    assert_int_equal(r->ndropped, 50);
    assert_int_equal(r->nfacts, 1);
    ge_report_destroy(r);
    /* An aborted parse leaves nothing behind for the next one. */
    ge_parse_begin(p);
    ge_parse_feed(p, "# p\na.go:1:2: x escapes to heap:\na.go:1:2:   flow: {heap} = x:\n", 63);
    ge_parse_abort(p);
    assert_int_equal(ge_parse(p, "a.go:3:4: moved to heap: z\n", 27, &r), 0);
    assert_int_equal(r->nfacts, 1);
    assert_int_equal(r->nlines, 1);
    ge_report_destroy(r);
    free(junk);
    ge_parser_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go119_full_m2),
        cmocka_unit_test(test_go119_m_matches_m2),
        cmocka_unit_test(test_go122_build),
        cmocka_unit_test(test_go126_build),
        cmocka_unit_test(test_test_builds),
        cmocka_unit_test(test_nethttp),
        cmocka_unit_test(test_compile_error),
        cmocka_unit_test(test_synthetic_126),
        cmocka_unit_test(test_param_block_forms),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_subjects),
        cmocka_unit_test(test_shortened_string_in_flow),
        cmocka_unit_test(test_grouping_out_of_order),
        cmocka_unit_test(test_dedupe),
        cmocka_unit_test(test_unknown_lines),
        cmocka_unit_test(test_empty_and_reuse),
        cmocka_unit_test(test_streaming_matches_whole),
        cmocka_unit_test(test_stream_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
