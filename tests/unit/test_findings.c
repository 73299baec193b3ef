/*
 * Unit tests of ge_findings_build on the test module: which facts belong to a package (base
 * names, the [p.test] and _test variants, paths replayed from the build cache, GOROOT and
 * //line names), deduplication, spans in the file text, explanations with the package's
 * declarations, sorting, and files that cannot be read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/finding.h"

#define TESTMOD GE_FIXTURES "/testmod"

/* The message of a built finding (pooled findings make most of them on demand). */
static const char *message_of(const struct ge_finding *f)
{
    static struct ge_buf scratch = {.max = GE_MESSAGE_MAX};
    return ge_finding_message(f, &scratch);
}

static char *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *buf = malloc(cap + 1);
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The text source: reads files from disk and keeps the last one, as the contract allows. */
struct source {
    char *text;
    int calls;
    const char *fail; /* base name that cannot be read, or NULL */
};

static int read_source(void *ctx, const char *path, const char **text, size_t *len)
{
    struct source *s = ctx;
    s->calls++;
    free(s->text);
    s->text = NULL;
    const char *base = strrchr(path, '/');
    if (s->fail != NULL && strcmp(base + 1, s->fail) == 0)
        return -ENOENT;
    s->text = load(path, len);
    *text = s->text;
    return s->text != NULL ? 0 : -ENOENT;
}

static struct ge_report *parse(const char *s, size_t n)
{
    struct ge_parser *p = NULL;
    assert_int_equal(ge_parser_create(&p), 0);
    struct ge_report *r = NULL;
    assert_int_equal(ge_parse(p, s, n, &r), 0);
    ge_parser_destroy(p);
    return r;
}

static struct ge_report *parse_fixture(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", GE_FIXTURES, rel);
    size_t n;
    char *d = load(path, &n);
    assert_non_null(d);
    struct ge_report *r = parse(d, n);
    free(d);
    return r;
}

static void build(const struct ge_report *r, const char *import_path, const char *pkgdir,
                  const char *const *files, size_t nfiles, struct ge_finding_set *set)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", TESTMOD, pkgdir);
    struct ge_pkg_filter flt = {import_path, dir, files, nfiles, NULL, false};
    struct source src = {0};
    assert_int_equal(ge_findings_build(r, &flt, read_source, &src, set), 0);
    free(src.text);
}

static const struct ge_finding *at(const struct ge_finding_set *set, uint32_t line, uint32_t col,
                                   enum ge_fact_kind kind)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].line == line && set->items[i].col == col && set->items[i].kind == kind)
            return &set->items[i];
    fail_msg("no finding at %u:%u", line, col);
    return NULL;
}

static void assert_span_text(const struct ge_finding *f, const char *want)
{
    size_t len;
    char *text = load(f->path, &len);
    assert_non_null(text);
    assert_true(f->span.end <= len && f->span.start < f->span.end);
    char got[512];
    snprintf(got, sizeof(got), "%.*s", (int)(f->span.end - f->span.start), text + f->span.start);
    assert_string_equal(got, want);
    free(text);
}

static void assert_sorted(const struct ge_finding_set *set)
{
    for (size_t i = 1; i < set->count; i++) {
        int c = strcmp(set->items[i - 1].path, set->items[i].path);
        assert_true(c < 0 || (c == 0 && set->items[i - 1].span.start <= set->items[i].span.start));
    }
}

static const char *const MAPS[] = {"maps.go"};

static void test_maps_126(void **state)
{
    (void)state;
    struct ge_report *r = parse_fixture("recordings/go126_testmod_build_m2.txt");
    struct ge_finding_set set;
    build(r, "example.com/escdemo/maps", "maps", MAPS, 1, &set);
    /* Every fact of maps.go, and none of main.go's (inlined maps.NewMap lives there). */
    assert_int_equal(set.count, 13);
    assert_sorted(&set);
    const struct ge_finding *f = at(&set, 7, 11, GE_FACT_ESCAPE);
    assert_string_equal(f->path, TESTMOD "/maps/maps.go");
    assert_span_text(f, "make(map[string]int)");
    assert_int_equal(f->category, GE_CAT_MAP);
    assert_string_equal(message_of(f),
                        "make(map[string]int) escapes to heap: returned from NewMap");
    assert_string_equal(f->steps[f->escape_step].path, TESTMOD "/maps/maps.go");
    f = at(&set, 19, 21, GE_FACT_ESCAPE);
    assert_span_text(f, "map[string]int{\"a\": 1}");
    assert_string_equal(f->cause, "converted to interface (argument of fmt.Println)");
    f = at(&set, 36, 9, GE_FACT_ESCAPE);
    assert_span_text(f, "func() int");
    f = at(&set, 28, 2, GE_FACT_MOVED);
    assert_span_text(f, "t");
    ge_finding_set_free(&set);
    assert_int_equal(set.count, 0);
    ge_report_destroy(r);
}

static void test_maps_119_names_functions(void **state)
{
    (void)state;
    struct ge_report *r = parse_fixture("go1.19/go119_full_m2.txt");
    struct ge_finding_set set;
    build(r, "example.com/escdemo/maps", "maps", MAPS, 1, &set);
    const struct ge_finding *f = at(&set, 7, 11, GE_FACT_ESCAPE);
    /* Go 1.19 prints no function; the source declares it. */
    assert_string_equal(f->func, "NewMap");
    assert_string_equal(message_of(f),
                        "make(map[string]int) escapes to heap: returned from NewMap");
    f = at(&set, 35, 11, GE_FACT_ESCAPE);
    assert_string_equal(message_of(f), "make(map[int]int) escapes to heap: captured by a closure");
    ge_finding_set_free(&set);
    ge_report_destroy(r);
}

static void test_test_variants(void **state)
{
    (void)state;
    const char *const files[] = {"loop.go", "misc.go", "misc_test.go", "ext_test.go"};
    const char *recs[] = {"go1.19/go119_test_c_m2_misc.txt",
                          "recordings/go126_testmod_test_c_m2_misc.txt"};
    for (int k = 0; k < 2; k++) {
        struct ge_report *r = parse_fixture(recs[k]);
        struct ge_finding_set set;
        build(r, "example.com/escdemo/misc", "misc", files, 4, &set);
        /* The external test package counts; _testmain.go and <autogenerated> do not. Go 1.26
         * adds "append escapes to heap". */
        assert_int_equal(set.count, k == 0 ? 12 : 13);
        for (size_t i = 0; i < set.count; i++)
            assert_null(strstr(set.items[i].path, "testmain"));
        const struct ge_finding *f = at(&set, 12, 2, GE_FACT_MOVED);
        assert_string_equal(f->path, TESTMOD "/misc/ext_test.go");
        assert_span_text(f, "v");
        f = at(&set, 14, 21, GE_FACT_ESCAPE);
        assert_string_equal(f->path, TESTMOD "/misc/misc_test.go");
        assert_span_text(f, "map[string]int{\"a\": Add(1, 2)}");
        /* A method value: Area is declared in loop.go. */
        f = at(&set, 18, 18, GE_FACT_ESCAPE);
        assert_int_equal(f->category, GE_CAT_CLOSURE);
        assert_span_text(f, "shapes[0].Area");
        ge_finding_set_free(&set);
        ge_report_destroy(r);
    }
}

static void test_dedupe_replayed_paths(void **state)
{
    (void)state;
    /* The build cache replays paths relative to the directory that first filled it: the test
     * binary's block below was printed from the package directory. The same file reached
     * through the package and its test binary is one finding. A path that only shares the base
     * name (another package's maps.go, printed from the same place) is not the package's. */
    const char *text = "# example.com/escdemo/maps\n"
                       "maps/maps.go:7:11: make(map[string]int) escapes to heap\n"
                       "# example.com/escdemo/maps [example.com/escdemo/maps.test]\n"
                       "./maps.go:7:11: make(map[string]int) escapes to heap:\n"
                       "./maps.go:7:11:   flow: ~r0 = &{storage for make(map[string]int)}:\n"
                       "./maps.go:7:11:     from return m (return) at ./maps.go:9:2\n"
                       "./maps.go:7:11: make(map[string]int) escapes to heap\n"
                       "../../elsewhere/maps/maps.go:44:11: make(map[int]int, 100) does not "
                       "escape\n"
                       "/not/the/dir/maps.go:14:23: map[string]int{...} escapes to heap\n"
                       "<autogenerated>:1: x escapes to heap\n"
                       "template.tmpl:3:1: moved to heap: y\n"
                       "# example.com/escdemo/other\n"
                       "maps/maps.go:53:25: map[string]int{...} escapes to heap\n"
                       "# example.com/escdemo/maps_test [example.com/escdemo/maps.test]\n"
                       "maps/maps.go:58:21: map[string]int{...} does not escape\n";
    struct ge_report *r = parse(text, strlen(text));
    assert_int_equal(r->nfacts, 8);
    struct ge_finding_set set;
    build(r, "example.com/escdemo/maps", "maps", MAPS, 1, &set);
    assert_int_equal(set.count, 2);
    const struct ge_finding *f = &set.items[0];
    assert_int_equal(f->line, 7);
    assert_int_equal(f->nsteps, 1); /* the explained copy */
    assert_string_equal(f->steps[0].path, TESTMOD "/maps/maps.go");
    assert_int_equal(set.items[1].line, 58);
    ge_finding_set_free(&set);

    /* An absolute path must name the package directory. */
    char abs[2048];
    snprintf(abs, sizeof(abs),
             "# example.com/escdemo/maps\n%s/maps/maps.go:14:23: map[string]int{...} escapes to "
             "heap\n",
             TESTMOD);
    ge_report_destroy(r);
    r = parse(abs, strlen(abs));
    build(r, "example.com/escdemo/maps", "maps", MAPS, 1, &set);
    assert_int_equal(set.count, 1);
    assert_span_text(&set.items[0], "map[string]int{\"a\": 1, \"b\": 2}");
    ge_finding_set_free(&set);
    ge_report_destroy(r);
}

static void test_unicode(void **state)
{
    (void)state;
    const char *const files[] = {"uni.go"};
    struct ge_report *r = parse_fixture("recordings/go126_testmod_build_m2.txt");
    struct ge_finding_set set;
    build(r, "example.com/escdemo/uni", "uni", files, 1, &set);
    const struct ge_finding *f = at(&set, 5, 55, GE_FACT_ESCAPE);
    assert_span_text(f, "值");
    assert_string_equal(message_of(f), "值 escapes to heap: converted to interface (argument of "
                                       "fmt.Println)");
    f = at(&set, 9, 51, GE_FACT_ESCAPE);
    assert_span_text(f, "s"); /* printed as the constant it holds: one character */
    f = at(&set, 9, 54, GE_FACT_ESCAPE);
    assert_span_text(f, "x");
    ge_finding_set_free(&set);
    ge_report_destroy(r);
}

static void test_stale_and_unreadable(void **state)
{
    (void)state;
    const char *text = "# example.com/escdemo/maps\n"
                       "maps/maps.go:7:11: make(map[string]int) escapes to heap\n"
                       "maps/maps.go:700:1: moved to heap: gone\n"
                       "maps/maps.go:9:200: moved to heap: far\n";
    struct ge_report *r = parse(text, strlen(text));
    struct ge_finding_set set;
    build(r, "example.com/escdemo/maps", "maps", MAPS, 1, &set);
    /* A line past the end is dropped; a column past the end of its line is clamped. */
    assert_int_equal(set.count, 2);
    const struct ge_finding *f = at(&set, 9, 200, GE_FACT_MOVED);
    assert_true(f->span.start < f->span.end);
    ge_finding_set_free(&set);

    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/maps", TESTMOD);
    struct ge_pkg_filter flt = {"example.com/escdemo/maps", dir, MAPS, 1, NULL, false};
    struct source src = {.fail = "maps.go"};
    assert_int_equal(ge_findings_build(r, &flt, read_source, &src, &set), 0);
    assert_int_equal(set.count, 0);
    free(src.text);
    assert_int_equal(ge_findings_build(NULL, &flt, read_source, &src, &set), -EINVAL);
    assert_int_equal(ge_findings_build(r, NULL, read_source, &src, &set), -EINVAL);
    assert_int_equal(ge_findings_build(r, &flt, NULL, &src, &set), -EINVAL);
    ge_report_destroy(r);
}

static void test_named_types(void **state)
{
    (void)state;
    /* make(Values) is a slice when the package says "type Values []string". */
    const char *text = "# example.com/escdemo/big\n"
                       "big/big.go:12:11: make(T, 4) escapes to heap\n";
    struct ge_report *r = parse(text, strlen(text));
    const char *const files[] = {"big.go"};
    struct ge_finding_set set;
    build(r, "example.com/escdemo/big", "big", files, 1, &set);
    assert_int_equal(set.count, 1);
    /* big.go declares "type T struct{...}": not a map, not a slice. */
    assert_int_equal(set.items[0].category, GE_CAT_OTHER);
    ge_finding_set_free(&set);
    ge_report_destroy(r);
}

/* Every Go file the tests use, for checks that hold on any source. */
static const char *const GO_FILES[] = {
    "testmod/main.go",
    "testmod/big/big.go",
    "testmod/closures/closures.go",
    "testmod/gen/gen.go",
    "testmod/ifaces/ifaces.go",
    "testmod/linedir/gen.go",
    "testmod/maps/maps.go",
    "testmod/misc/loop.go",
    "testmod/misc/misc.go",
    "testmod/misc/misc_test.go",
    "testmod/misc/ext_test.go",
    "testmod/other/other.go",
    "testmod/uni/uni.go",
    "testmod/usegen/usegen.go",
    "../../examples/escapes.go",
    "../lsp/fixtures/scanner/scanner.go",
    "../lsp/fixtures/unicode/uni.go",
};

/* Subjects that reach each rule of the range finder. */
static const struct {
    enum ge_fact_kind kind;
    const char *subject;
} PROBES[] = {
    {GE_FACT_MOVED, "x"},
    {GE_FACT_MOVED, "m"},
    {GE_FACT_ESCAPE, "func literal"},
    {GE_FACT_ESCAPE, "... argument"},
    {GE_FACT_ESCAPE, "make(map[string]int)"},
    {GE_FACT_ESCAPE, "&T{...}"},
    {GE_FACT_ESCAPE, "\"item \" + ~r0"},
    {GE_FACT_ESCAPE, "~r0"},
    {GE_FACT_ESCAPE, "n"},
    {GE_FACT_ESCAPE, "5"},
};

/* Text that misleads any guess at where a declaration starts: lines at column 0 inside a raw
 * string and a comment, one of them with a backquote. */
static const char TRICKY[] = "package p\n"
                             "\n"
                             "func F() map[string]int {\n"
                             "\ts := `\n"
                             "func bogus() {\n"
                             "`\n"
                             "\t_ = s\n"
                             "\tx := &T{A: 1}\n"
                             "\treturn make(map[string]int)\n"
                             "}\n"
                             "\n"
                             "/*\n"
                             "type inComment `\n"
                             "*/\n"
                             "func G(n int) string { return \"item \" + strconv.Itoa(n) }\n";

struct fixed_text {
    const char *text;
    size_t len;
};

static int read_fixed(void *ctx, const char *path, const char **text, size_t *len)
{
    const struct fixed_text *t = ctx;
    (void)path;
    *text = t->text;
    *len = t->len;
    return 0;
}

/* Builds the findings of one subject at every non-blank byte of a text. */
static void build_probes(const char *text, size_t len, size_t probe, struct ge_finding_set *set)
{
    size_t cap = 64 + len * (strlen(PROBES[probe].subject) + 48), n = 0;
    char *out = malloc(cap);
    const char *format = PROBES[probe].kind == GE_FACT_MOVED ? "./p.go:%u:%u: moved to heap: %s\n"
                                                             : "./p.go:%u:%u: %s escapes to heap\n";
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n')
            n += (size_t)snprintf(out + n, cap - n, format, line, col, PROBES[probe].subject);
        if (text[i] == '\n')
            line++, col = 1;
        else
            col++;
    }
    struct ge_report *r = parse(out, n);
    free(out);
    const char *const files[] = {"p.go"};
    struct ge_pkg_filter flt = {NULL, "/p", files, 1, NULL, false};
    struct fixed_text src = {text, len};
    assert_int_equal(ge_findings_build(r, &flt, read_fixed, &src, set), 0);
    ge_report_destroy(r);
}

static void check_agreement(const char *name, const char *text, size_t len)
{
    for (size_t p = 0; p < sizeof(PROBES) / sizeof(PROBES[0]); p++) {
        struct ge_finding_set set;
        build_probes(text, len, p, &set);
        assert_true(set.count > 0);
        for (size_t i = 0; i < set.count; i++) {
            const struct ge_finding *f = &set.items[i];
            size_t off = 0;
            for (uint32_t l = 1; l < f->line; l++)
                off = (size_t)(strchr(text + off, '\n') - text) + 1;
            off += f->col - 1;
            struct ge_span sp = ge_scan_expr(text, len, off, PROBES[p].kind, PROBES[p].subject);
            if (sp.start != f->span.start || sp.end != f->span.end)
                fail_msg("%s:%u:%u %s: [%zu, %zu) versus [%zu, %zu)", name, f->line, f->col,
                         PROBES[p].subject, sp.start, sp.end, f->span.start, f->span.end);
        }
        ge_finding_set_free(&set);
    }
}

/* ge_scan_expr, which lexes the text for one position, finds the span ge_findings_build finds
 * with the tokens it shares between the facts of a file: at every position of every fixture. */
static void test_scan_expr_agrees(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(GO_FILES) / sizeof(GO_FILES[0]); k++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", GE_FIXTURES, GO_FILES[k]);
        size_t len;
        char *text = load(path, &len);
        assert_non_null(text);
        check_agreement(GO_FILES[k], text, len);
        free(text);
    }
    check_agreement("tricky", TRICKY, strlen(TRICKY));
}

/* Builds the findings of compiler output about p.go, whose text is given. */
static void build_text(const char *output, const char *text, struct ge_finding_set *set)
{
    struct ge_report *r = parse(output, strlen(output));
    const char *const files[] = {"p.go"};
    struct ge_pkg_filter flt = {NULL, "/p", files, 1, NULL, false};
    struct fixed_text src = {text, strlen(text)};
    assert_int_equal(ge_findings_build(r, &flt, read_fixed, &src, set), 0);
    ge_report_destroy(r);
}

static const struct ge_finding *with_subject(const struct ge_finding_set *set, const char *subject)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i].subject, subject) == 0)
            return &set->items[i];
    for (size_t i = 0; i < set->count; i++)
        print_message("subject: %s\n", set->items[i].subject);
    fail_msg("no finding with subject %s", subject);
    return NULL;
}

/* The compiler's names for unnamed results never reach the reader: a step on a call's result
 * reads as an ellipsis, as the subject does, and a parameter returned names its result in
 * words. */
static void test_no_result_numbers(void **state)
{
    (void)state;
    const char *text = "package p\n"
                       "\n"
                       "func T(p, q *int) (int, *int, err error) {\n"
                       "\tassert.Exactly(t, c.MustGet(\"string\").(string), \"this is a string\")\n"
                       "}\n";
    const char *facts =
        "./p.go:3:8: leaking param: p to result ~r1 level=0\n"
        "./p.go:3:11: leaking param: q to result err level=1\n"
        "./p.go:4:39: (~r0).(string) escapes to heap:\n"
        "./p.go:4:39:   flow: {heap} \xe2\x86\x90 &{storage for (~r0).(string)}:\n"
        "./p.go:4:39:     from (~r0).(string) (spill) at ./p.go:4:39\n"
        "./p.go:4:39:     from assert.Exactly(t, (~r0).(string), \"this is a string\", nil...) "
        "(call parameter) at ./p.go:4:16\n"
        "./p.go:4:39: (~r0).(string) escapes to heap\n";
    struct ge_finding_set set;
    build_text(facts, text, &set);
    struct ge_buf scratch;
    ge_buf_init(&scratch, GE_MESSAGE_MAX);
    const struct ge_finding *f = with_subject(&set, "p");
    assert_string_equal(ge_finding_message(f, &scratch),
                        "parameter p is returned as the second result");
    f = with_subject(&set, "q");
    assert_string_equal(ge_finding_message(f, &scratch),
                        "what parameter q points to is returned in the result err");
    f = with_subject(&set, "(\xe2\x80\xa6).(string)");
    assert_true(f->nsteps >= 1);
    assert_string_equal(f->steps[0].message,
                        "(\xe2\x80\xa6).(string) is stored in an interface value");
    for (size_t k = 0; k < f->nsteps; k++)
        if (strstr(f->steps[k].message, "result 0") != NULL)
            fail_msg("step %zu: %s", k, f->steps[k].message);
    ge_finding_set_free(&set);

    /* An inlined call with two results hands them on as "~r0, ~r1 = entry.Value, true". */
    const char *text2 = "package p\n"
                        "\n"
                        "\n"
                        "func (c *Context) Param(key string) string {\n"
                        "\treturn c.Params.ByName(key)\n"
                        "}\n";
    const char *facts2 =
        "./p.go:4:7: parameter c leaks to ~r0 for (*Context).Param with derefs=2:\n"
        "./p.go:4:7:   flow: ps \xe2\x86\x90 *c:\n"
        "./p.go:4:7:     from c.Params (dot of pointer) at ./p.go:5:10\n"
        "./p.go:4:7:     from ps, name := c.Params, key (assign-pair) at ./p.go:5:24\n"
        "./p.go:4:7:   flow: {temp} \xe2\x86\x90 ps:\n"
        "./p.go:4:7:   flow: entry \xe2\x86\x90 *{temp}:\n"
        "./p.go:4:7:     from for loop (range-deref) at ./p.go:5:24\n"
        "./p.go:4:7:   flow: ~r0 \xe2\x86\x90 entry:\n"
        "./p.go:4:7:     from entry.Value (dot) at ./p.go:5:24\n"
        "./p.go:4:7:     from ~r0, ~r1 = entry.Value, true (assign-pair) at ./p.go:5:24\n"
        "./p.go:4:7:   flow: .autotmp_3 \xe2\x86\x90 ~r0:\n"
        "./p.go:4:7:   flow: va \xe2\x86\x90 .autotmp_3:\n"
        "./p.go:4:7:     from va, _ = string(.autotmp_3), 0 (assign-pair) at ./p.go:5:24\n"
        "./p.go:4:7:   flow: ~r0 \xe2\x86\x90 va:\n"
        "./p.go:4:7:     from return va (return) at ./p.go:5:2\n"
        "./p.go:4:7: leaking param: c to result ~r0 level=2\n";
    build_text(facts2, text2, &set);
    f = with_subject(&set, "c");
    assert_string_equal(ge_finding_message(f, &scratch),
                        "what parameter c points to is returned in the first result");
    bool handed_on = false;
    for (size_t k = 0; k < f->nsteps; k++) {
        if (strstr(f->steps[k].message, "result 0") != NULL ||
            strstr(f->steps[k].message, "result 1") != NULL)
            fail_msg("step %zu: %s", k, f->steps[k].message);
        handed_on |=
            strcmp(f->steps[k].message, "returned by the inlined call to c.Params.ByName") == 0;
    }
    assert_true(handed_on);
    ge_buf_free(&scratch);
    ge_finding_set_free(&set);
}

/* A subject with an inlined call's result (~r0) reads as the source text of its span. */
static void test_source_subjects(void **state)
{
    (void)state;
    const char *const files[] = {"escapes.go"};
    const char *out = "# example.com/goescape-demo\n"
                      "./escapes.go:50:17: \"item \" + ~r0 escapes to heap in DescribeFast:\n"
                      "./escapes.go:50:17:   flow: ~r0 ← &{storage for \"item \" + ~r0}:\n"
                      "./escapes.go:50:17:     from \"item \" + ~r0 (spill) at ./escapes.go:50:17\n"
                      "./escapes.go:50:17:     from return \"item \" + ~r0 (return) at "
                      "./escapes.go:50:2\n"
                      "./escapes.go:50:17: \"item \" + ~r0 escapes to heap\n"
                      "./escapes.go:68:34: \"名前=\" + 名前 + \"#\" + ~r0 escapes to heap\n";
    struct ge_report *r = parse(out, strlen(out));
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/../../examples", GE_FIXTURES);
    struct ge_pkg_filter flt = {"example.com/goescape-demo", dir, files, 1, NULL, false};
    struct source src = {0};
    struct ge_finding_set set;
    assert_int_equal(ge_findings_build(r, &flt, read_source, &src, &set), 0);
    free(src.text);
    assert_int_equal(set.count, 2);
    const struct ge_finding *f = &set.items[0];
    assert_span_text(f, "\"item \" + strconv.Itoa(id)");
    assert_string_equal(f->subject, "\"item \" + strconv.Itoa(id)");
    assert_string_equal(message_of(f),
                        "\"item \" + strconv.Itoa(id) escapes to heap: returned from DescribeFast");
    assert_string_equal(f->steps[0].message, "\"item \" + strconv.Itoa(id) is allocated");
    assert_string_equal(f->steps[1].message,
                        "returned from DescribeFast: return \"item \" + strconv.Itoa(id)");
    f = &set.items[1];
    assert_span_text(f, "\"名前=\" + 名前 + \"#\" + strconv.Itoa(id)");
    assert_string_equal(f->subject, "\"名前=\" + 名前 + \"#\" + strconv.Itoa(id)");
    ge_finding_set_free(&set);
    ge_report_destroy(r);

    /* White space collapses, comments and trailing commas go, long bodies are elided as the
     * compiler elides them, and a long subject is cut. A lone ~r0 names the call only where
     * the explanation means that call. */
    const char *text =
        "package p\n"
        "\n"
        "func F() error {\n"
        "\tlog(\"x\" + f(T{A: 1, B: 2, C: 3, D: 4, E: 5}) + g(S{}))\n"
        "\tlog(\"y\" + h(a, /* why */\n"
        "\t\tb,\n"
        "\t))\n"
        "\treturn streamError(f.Header().StreamID, ErrCodeFlowControl, extraArgument)\n"
        "\tc.goAway = string(f.DebugData())\n"
        "}\n";
    const char *facts = "./p.go:4:10: \"x\" + ~r0 + ~r1 escapes to heap\n"
                        "./p.go:5:10: \"y\" + ~R0 escapes to heap\n"
                        "./p.go:8:20: ~r0 escapes to heap:\n"
                        "./p.go:8:20:   flow: ~r1 ← &{storage for ~r0}:\n"
                        "./p.go:8:20:     from ~r0 (spill) at ./p.go:8:20\n"
                        "./p.go:8:20:     from return nil, ~r0 (return) at ./p.go:8:2\n"
                        "./p.go:8:20: ~r0 escapes to heap\n"
                        "./p.go:9:31: string(~r0) escapes to heap\n";
    build_text(facts, text, &set);
    assert_int_equal(set.count, 4);
    with_subject(&set, "\"x\" + f(T{...}) + g(S{})");
    with_subject(&set, "\"y\" + h(a, b)");
    f = with_subject(&set, "streamError(f.Header().StreamID, ErrCodeFlowControl, extraAr…");
    assert_string_equal(f->steps[0].message, "streamError(f.Header().StreamID, ErrCodeFlowControl, "
                                             "extraAr… is stored in an interface value");
    assert_string_equal(f->steps[1].message, "returned from F: return nil, \xe2\x80\xa6");
    /* At the '(' of the inner call the span is that call, not string(...): the compiler's,
     * with the inlined call's result shown as an ellipsis. */
    f = with_subject(&set, "string(\xe2\x80\xa6)");
    assert_int_equal(f->span.end - f->span.start, strlen("f.DebugData()"));
    assert_memory_equal(text + f->span.start, "f.DebugData()", f->span.end - f->span.start);
    ge_finding_set_free(&set);
}

/* Every string field of f, for the storage test. */
static size_t strings_of(const struct ge_finding *f, const char **out, size_t cap)
{
    size_t n = 0;
    const char *fields[] = {f->subject, f->cause, f->message, f->func};
    for (size_t i = 0; i < 4 && n < cap; i++)
        if (fields[i] != NULL)
            out[n++] = fields[i];
    for (uint32_t k = 0; k < f->nsteps && n < cap; k++)
        out[n++] = f->steps[k].message;
    return n;
}

/* ge_findings_build_files gives each file its own sorted, pooled set; together they are what
 * ge_findings_build returns for the package. */
static void test_build_files(void **state)
{
    (void)state;
    const char *const files[] = {"loop.go", "misc.go", "misc_test.go", "ext_test.go"};
    struct ge_report *r = parse_fixture("recordings/go126_testmod_test_c_m2_misc.txt");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/misc", TESTMOD);
    struct ge_pkg_filter flt = {"example.com/escdemo/misc", dir, files, 4, NULL, false};
    struct source src = {0};
    struct ge_finding_set per[4];
    assert_int_equal(ge_findings_build_files(r, &flt, read_source, &src, per), 0);
    free(src.text);
    struct ge_finding_set all;
    build(r, "example.com/escdemo/misc", "misc", files, 4, &all);
    size_t total = 0;
    for (size_t i = 0; i < 4; i++) {
        char want[1200];
        snprintf(want, sizeof(want), "%s/%s", dir, files[i]);
        for (size_t k = 0; k < per[i].count; k++) {
            const struct ge_finding *f = &per[i].items[k];
            assert_string_equal(f->path, want);
            assert_true(f->pooled);
            if (k > 0)
                assert_true(per[i].items[k - 1].span.start <= f->span.start);
        }
        assert_true(per[i].count == 0 || per[i].npools >= 1);
        total += per[i].count;
        ge_finding_set_free(&per[i]);
    }
    assert_int_equal(total, all.count);
    assert_true(total > 0);
    ge_finding_set_free(&all);
    ge_report_destroy(r);
}

/* A pool keeps each distinct string once, points steps in the finding's own file at its path,
 * and leaves out messages that follow from the subject and the cause without changing any
 * message the user reads. */
static void test_pooled_storage(void **state)
{
    (void)state;
    struct ge_report *r = parse_fixture("recordings/go126_testmod_build_m2.txt");
    struct ge_finding_set set;
    build(r, "example.com/escdemo/maps", "maps", MAPS, 1, &set);
    assert_int_equal(set.npools, 1);
    size_t derived = 0, own_steps = 0, shared = 0;
    for (size_t i = 0; i < set.count; i++) {
        const struct ge_finding *f = &set.items[i];
        assert_ptr_equal(f->path, set.pools[0]);
        for (uint32_t k = 0; k < f->nsteps; k++) {
            if (f->steps[k].path != NULL && strcmp(f->steps[k].path, f->path) == 0) {
                assert_ptr_equal(f->steps[k].path, f->path);
                own_steps++;
            }
        }
        /* The message the user reads is the same either way. */
        const char *msg = message_of(f);
        if (f->message == NULL) {
            derived++;
            char want[1024];
            const char *verb = f->kind == GE_FACT_MOVED ? "moved to heap" : "escapes to heap";
            if (f->kind == GE_FACT_NOESCAPE)
                snprintf(want, sizeof(want), "%s does not escape", f->subject);
            else if (*f->cause)
                snprintf(want, sizeof(want), "%s %s: %s", f->subject, verb, f->cause);
            else
                snprintf(want, sizeof(want), "%s %s", f->subject, verb);
            assert_string_equal(msg, want);
        } else {
            assert_int_equal(f->kind, GE_FACT_PARAM);
        }
        const char *mine[64];
        size_t n = strings_of(f, mine, 64);
        for (size_t j = 0; j < set.count; j++) {
            const char *theirs[64];
            size_t m = strings_of(&set.items[j], theirs, 64);
            for (size_t a = 0; a < n; a++)
                for (size_t b = 0; b < m; b++)
                    if (mine[a] != theirs[b] && strcmp(mine[a], theirs[b]) == 0)
                        fail_msg("\"%s\" is stored twice", mine[a]);
                    else if (mine[a] == theirs[b] && (i != j || a != b))
                        shared++;
        }
    }
    assert_true(derived > 0);
    assert_true(own_steps > 0);
    assert_true(shared > 0);
    ge_finding_set_free(&set);
    ge_report_destroy(r);
}

/* A package at /w/m/internal/util with a util.go, in the module /w/m that also has a package
 * /w/m/util with a util.go, and a replaced module /w/util: three files named util.go. */
#define UTIL_DIR "/w/m/internal/util"
static const char UTIL_TEXT[] = "package util\n"
                                "\n"
                                "func F() *int {\n"
                                "\ta := 1\n"
                                "\tb := 2\n"
                                "\tc := 3\n"
                                "\treturn &a\n"
                                "}\n";

/* Builds output (one "# example.com/m/internal/util" block is prepended) for UTIL_DIR with the
 * go command's working directory cwd, and returns the lines of the kept facts as digits. */
static void kept_lines(const char *cwd, const char *output, char *lines, size_t cap,
                       struct ge_finding_set *set)
{
    char text[4096];
    snprintf(text, sizeof(text), "# example.com/m/internal/util\n%s", output);
    struct ge_report *r = parse(text, strlen(text));
    const char *const files[] = {"util.go", "util_test.go"};
    struct ge_pkg_filter flt = {"example.com/m/internal/util", UTIL_DIR, files, 2, cwd, false};
    struct fixed_text src = {UTIL_TEXT, sizeof(UTIL_TEXT) - 1};
    assert_int_equal(ge_findings_build(r, &flt, read_fixed, &src, set), 0);
    size_t n = 0;
    for (size_t i = 0; i < set->count && n + 1 < cap; i++) {
        assert_string_equal(set->items[i].path, UTIL_DIR "/util.go");
        lines[n++] = (char)('0' + set->items[i].line);
    }
    lines[n] = '\0';
    ge_report_destroy(r);
}

static void assert_kept(const char *cwd, const char *output, const char *want)
{
    char got[16];
    struct ge_finding_set set;
    kept_lines(cwd, output, got, sizeof(got), &set);
    ge_finding_set_free(&set);
    if (strcmp(got, want) != 0)
        fail_msg("cwd %s: kept lines \"%s\", want \"%s\" from\n%s", cwd ? cwd : "(unknown)", got,
                 want, output);
}

/* Lines 4 and 5 are the package's own; lines 6 come from the other util.go files, printed as
 * cmd/go prints them from the directory that ran (or first filled the cache for) the build. */
static void test_paths_same_base_name(void **state)
{
    (void)state;
    /* Printed from the module root, as goescape runs the go command. */
    const char *root = "internal/util/util.go:4:2: moved to heap: a\n"
                       "./util/util.go:6:2: moved to heap: c\n"
                       "../util/util.go:6:2: moved to heap: c\n"
                       "internal/util/util.go:5:2: moved to heap: b\n";
    assert_kept("/w/m", root, "45");
    assert_kept(NULL, root, "45");
    /* Printed from the package directory and replayed from the cache in the module root. */
    const char *pkgdir = "./util.go:4:2: moved to heap: a\n"
                         "../../util/util.go:6:2: moved to heap: c\n"
                         "../../../util/util.go:6:2: moved to heap: c\n"
                         "./util.go:5:2: moved to heap: b\n";
    assert_kept("/w/m", pkgdir, "45");
    assert_kept("/w/m/internal/util", pkgdir, "45");
    assert_kept(NULL, pkgdir, "45");
    /* From /w/m/internal: the package is "util", the other one "../util". */
    const char *parent = "../util/util.go:6:2: moved to heap: c\n"
                         "util/util.go:4:2: moved to heap: a\n"
                         "util/util.go:5:2: moved to heap: b\n";
    assert_kept("/w/m", parent, "45");
    assert_kept(NULL, parent, "45");
    /* From a sibling directory /w/m/cmd: both start with "../". */
    const char *sibling = "../util/util.go:6:2: moved to heap: c\n"
                          "../internal/util/util.go:4:2: moved to heap: a\n"
                          "../internal/util/util.go:5:2: moved to heap: b\n";
    assert_kept("/w/m", sibling, "45");
    assert_kept(NULL, sibling, "45");
    /* Live output from the module root: another package's util.go under an ancestor of the
     * package directory, and a same-named directory below the module root. */
    assert_kept("/w/m",
                "internal/util/util.go:4:2: moved to heap: a\n"
                "internal/util.go:6:2: moved to heap: c\n"
                "internal/x/util/util.go:6:2: moved to heap: c\n",
                "4");
    /* The standard library: strings compiled with tests prints slices' generic code. */
    assert_kept("/w/m/internal",
                "util/util.go:4:2: moved to heap: a\n"
                "./slices/util.go:6:13: append(slices.s, slices.v) escapes to heap\n",
                "4");
    /* A printed directory cmd/go never makes is not the package's. */
    assert_kept("/w/m", "../internal/x/../util/util.go:4:2: moved to heap: a\n", "");
    /* A block with nothing of the package keeps nothing; absolute paths name the directory. */
    assert_kept("/w/m", "./util/util.go:6:2: moved to heap: c\n", "");
    assert_kept("/w/m",
                "/w/m/util/util.go:6:2: moved to heap: c\n"
                "/w/m/internal/util/util.go:5:2: moved to heap: b\n",
                "5");
}

/* A flow step in another package's same-named file does not link to the package's file. */
static void test_paths_steps(void **state)
{
    (void)state;
    const char *out = "./util.go:7:9: &a escapes to heap:\n"
                      "./util.go:7:9:   flow: ~r0 = &a:\n"
                      "./util.go:7:9:     from &a (address-of) at ./util.go:7:9\n"
                      "./util.go:7:9:     from ~r0 (assign) at ../../util/util.go:6:2\n"
                      "./util.go:7:9:     from return (return) at ./util.go:7:2\n"
                      "./util.go:7:9: &a escapes to heap\n"
                      "../../util/util.go:4:2: moved to heap: x\n";
    for (int k = 0; k < 2; k++) {
        char lines[16];
        struct ge_finding_set set;
        kept_lines(k == 0 ? "/w/m/internal/util" : "/w/m", out, lines, sizeof(lines), &set);
        assert_string_equal(lines, "7");
        const struct ge_finding *f = &set.items[0];
        assert_true(f->nsteps >= 3);
        size_t linked = 0, foreign = 0;
        for (size_t i = 0; i < f->nsteps; i++) {
            if (f->steps[i].path == NULL)
                foreign++;
            else if (strcmp(f->steps[i].path, UTIL_DIR "/util.go") == 0)
                linked++;
            else
                fail_msg("step path %s", f->steps[i].path);
        }
        assert_int_equal(foreign, 1);
        assert_true(linked >= 2);
        ge_finding_set_free(&set);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maps_126),
        cmocka_unit_test(test_maps_119_names_functions),
        cmocka_unit_test(test_test_variants),
        cmocka_unit_test(test_dedupe_replayed_paths),
        cmocka_unit_test(test_unicode),
        cmocka_unit_test(test_stale_and_unreadable),
        cmocka_unit_test(test_named_types),
        cmocka_unit_test(test_scan_expr_agrees),
        cmocka_unit_test(test_source_subjects),
        cmocka_unit_test(test_no_result_numbers),
        cmocka_unit_test(test_build_files),
        cmocka_unit_test(test_pooled_storage),
        cmocka_unit_test(test_paths_same_base_name),
        cmocka_unit_test(test_paths_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
