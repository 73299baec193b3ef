/*
 * Unit tests of classification and explanation on real recorded facts: each category and the
 * common causes (returned map, map passed to fmt.Println, returned closure, captured variable,
 * interface conversions, too large, non-constant size, &T{}, new, concatenation, []byte(s)),
 * the readable flow steps, labels and remedies, and properties that hold for every fact of
 * every recording (net/http included): no compiler-internal names reach the user.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "goescape/buf.h"
#include "goescape/finding.h"

static struct ge_report *r126, *r122, *r119;

static int setup(void **state)
{
    (void)state;
    r126 = parse_file("recordings/go126_testmod_build_m2.txt");
    r122 = parse_file("recordings/go122_testmod_build_m2.txt");
    r119 = parse_file("go1.19/go119_full_m2.txt");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ge_report_destroy(r126);
    ge_report_destroy(r122);
    ge_report_destroy(r119);
    return 0;
}

static const struct ge_fact *find(const struct ge_report *r, enum ge_fact_kind kind,
                                  const char *file, uint32_t line, uint32_t col)
{
    for (size_t i = 0; i < r->nfacts; i++) {
        const struct ge_fact *f = &r->facts[i];
        if (f->kind == kind && f->line == line && f->col == col && strcmp(f->file, file) == 0)
            return f;
    }
    fail_msg("no fact at %s:%u:%u", file, line, col);
    return NULL;
}

/* Explains the fact with its source file from the test module (file as printed). */
static void explain(const struct ge_fact *f, bool with_source, struct ge_finding *out)
{
    if (!with_source) {
        ge_finding_explain(f, out);
        return;
    }
    char rel[512];
    snprintf(rel, sizeof(rel), "testmod/%s",
             strncmp(f->file, "./", 2) == 0 ? f->file + 2 : f->file);
    size_t len;
    char *text = load(rel, &len);
    struct ge_explain_source src = {.text = text, .len = len};
    ge_finding_explain_src(f, &src, out);
    free(text);
}

static void check(const struct ge_finding *fi, enum ge_category cat, enum ge_cause cause,
                  const char *message, const char *label)
{
    assert_string_equal(ge_category_name(fi->category), ge_category_name(cat));
    assert_string_equal(ge_cause_name(fi->cause_kind), ge_cause_name(cause));
    assert_string_equal(fi->message, message);
    assert_string_equal(ge_finding_label(fi), label);
}

static void check_escape_step(const struct ge_finding *fi, const char *message, uint32_t line,
                              uint32_t col)
{
    assert_true(fi->escape_step >= 0 && (size_t)fi->escape_step < fi->nsteps);
    const struct ge_flow_step *s = &fi->steps[fi->escape_step];
    assert_string_equal(s->message, message);
    assert_int_equal(s->line, line);
    assert_int_equal(s->col, col);
}

static void test_returned_map(void **state)
{
    (void)state;
    struct ge_finding fi;
    explain(find(r126, GE_FACT_ESCAPE, "maps/maps.go", 7, 11), false, &fi);
    check(&fi, GE_CAT_MAP, GE_CAUSE_RETURNED,
          "make(map[string]int) escapes to heap: returned from NewMap", "heap: returned");
    assert_string_equal(fi.cause, "returned from NewMap");
    assert_string_equal(fi.func, "NewMap");
    assert_int_equal(fi.nsteps, 3);
    assert_string_equal(fi.steps[0].message, "make(map[string]int) is allocated");
    assert_string_equal(fi.steps[1].message, "assigned to m: m := make(map[string]int)");
    assert_string_equal(fi.steps[0].path, "maps/maps.go");
    check_escape_step(&fi, "returned from NewMap: return m", 9, 2);
    char *remedy = ge_finding_remedy_new(&fi);
    assert_non_null(strstr(remedy, "caller pass the map in"));
    free(remedy);
    ge_finding_free(&fi);

    /* Go 1.19 does not name the function; the source does. */
    explain(find(r119, GE_FACT_ESCAPE, "maps/maps.go", 14, 23), false, &fi);
    check(&fi, GE_CAT_MAP, GE_CAUSE_RETURNED, "map[string]int{...} escapes to heap: returned",
          "heap: returned");
    ge_finding_free(&fi);
}

static void test_map_to_println(void **state)
{
    (void)state;
    struct ge_finding fi;
    explain(find(r119, GE_FACT_ESCAPE, "maps/maps.go", 19, 21), true, &fi);
    check(&fi, GE_CAT_MAP, GE_CAUSE_INTERFACE,
          "map[string]int{...} escapes to heap: converted to interface (argument of fmt.Println)",
          "heap: interface");
    check_escape_step(&fi,
                      "passed to fmt.Fprintln(io.Writer(os.Stdout), fmt.a...), which lets it "
                      "reach the heap",
                      20, 13);
    assert_string_equal(fi.steps[2].message, "m is converted to an interface");
    ge_finding_free(&fi);
    /* Without the source, the compiler's inlined callee is named. */
    explain(find(r126, GE_FACT_ESCAPE, "maps/maps.go", 19, 21), false, &fi);
    assert_string_equal(fi.cause, "converted to interface (argument of fmt.Fprintln)");
    ge_finding_free(&fi);
}

static void test_closures(void **state)
{
    (void)state;
    struct ge_finding fi;
    explain(find(r126, GE_FACT_ESCAPE, "closures/closures.go", 6, 9), false, &fi);
    check(&fi, GE_CAT_CLOSURE, GE_CAUSE_RETURNED,
          "func literal escapes to heap: returned from MakeAdder", "heap: returned");
    ge_finding_free(&fi);

    explain(find(r126, GE_FACT_MOVED, "closures/closures.go", 10, 2), false, &fi);
    check(&fi, GE_CAT_CLOSURE, GE_CAUSE_CAPTURED, "sum moved to heap: captured by a closure",
          "heap: captured");
    check_escape_step(&fi, "sum is captured by a closure", 12, 3);
    assert_int_equal(fi.nsteps, 1); /* the "reference" step repeats the capture */
    char *remedy = ge_finding_remedy_new(&fi);
    assert_non_null(strstr(remedy, "parameter"));
    free(remedy);
    ge_finding_free(&fi);

    /* A map captured by a returned closure stays a map. */
    explain(find(r122, GE_FACT_ESCAPE, "maps/maps.go", 35, 11), false, &fi);
    check(&fi, GE_CAT_MAP, GE_CAUSE_CAPTURED,
          "make(map[int]int) escapes to heap: captured by a closure", "heap: captured");
    ge_finding_free(&fi);

    /* go func() { ... }() and go func(i int) { ... }(i) (captured by the go wrapper). */
    explain(find(r126, GE_FACT_ESCAPE, "closures/closures.go", 29, 5), true, &fi);
    check(&fi, GE_CAT_CLOSURE, GE_CAUSE_GOROUTINE,
          "func literal escapes to heap: passed to a goroutine", "heap: goroutine");
    ge_finding_free(&fi);
    explain(find(r119, GE_FACT_ESCAPE, "closures/closures.go", 20, 6), true, &fi);
    check(&fi, GE_CAT_CLOSURE, GE_CAUSE_GOROUTINE,
          "func literal escapes to heap: passed to a goroutine", "heap: goroutine");
    ge_finding_free(&fi);

    /* A method value, when the package's methods are known. */
    const char *methods[] = {"Get"};
    struct ge_explain_source src = {.methods = methods, .nmethods = 1};
    ge_finding_explain_src(find(r126, GE_FACT_ESCAPE, "closures/closures.go", 48, 45), &src, &fi);
    check(&fi, GE_CAT_CLOSURE, GE_CAUSE_RETURNED,
          "s.Get escapes to heap: returned from MethodValue", "heap: returned");
    ge_finding_free(&fi);
}

static void test_interfaces(void **state)
{
    (void)state;
    struct ge_finding fi;
    explain(find(r119, GE_FACT_ESCAPE, "ifaces/ifaces.go", 40, 21), true, &fi);
    assert_int_equal(fi.category, GE_CAT_INTERFACE);
    assert_string_equal(fi.cause, "converted to interface (argument of fmt.Sprintf)");
    check_escape_step(&fi,
                      "passed to fmt.Sprintf(\"%s=%d\", ... argument...), which lets it "
                      "reach the heap",
                      40, 20);
    char *remedy = ge_finding_remedy_new(&fi);
    assert_non_null(strstr(remedy, "strconv"));
    assert_non_null(strstr(remedy, "may allocate"));
    free(remedy);
    ge_finding_free(&fi);

    explain(find(r126, GE_FACT_ESCAPE, "ifaces/ifaces.go", 24, 9), false, &fi);
    check(&fi, GE_CAT_INTERFACE, GE_CAUSE_INTERFACE,
          "b escapes to heap: converted to interface (returned from ToAnySmall)",
          "heap: interface");
    ge_finding_free(&fi);

    explain(find(r126, GE_FACT_ESCAPE, "ifaces/ifaces.go", 28, 13), false, &fi);
    check(&fi, GE_CAT_INTERFACE, GE_CAUSE_INTERFACE,
          "any(p) escapes to heap: converted to interface (returned from ExplicitAny)",
          "heap: interface");
    ge_finding_free(&fi);

    /* Go 1.26 replaces a variable that is never reassigned by its constant (summarised as
     * 1000, explained as x), which then needs no allocation; Go 1.22 prints x and boxes it. */
    explain(find(r126, GE_FACT_ESCAPE, "ifaces/ifaces.go", 20, 9), false, &fi);
    check(&fi, GE_CAT_STATIC, GE_CAUSE_CONSTANT,
          "1000 needs no allocation: a constant is stored in read-only data", "static");
    ge_finding_free(&fi);
    explain(find(r122, GE_FACT_ESCAPE, "ifaces/ifaces.go", 20, 9), false, &fi);
    check(&fi, GE_CAT_INTERFACE, GE_CAUSE_INTERFACE,
          "x escapes to heap: converted to interface (stored in the global sink)",
          "heap: interface");
    ge_finding_free(&fi);

    /* A field passed to fmt.Println, named as the user wrote the call. */
    explain(find(r126, GE_FACT_ESCAPE, "./main.go", 13, 18), true, &fi);
    check(&fi, GE_CAT_INTERFACE, GE_CAUSE_INTERFACE,
          "t.A escapes to heap: converted to interface (argument of fmt.Println)",
          "heap: interface");
    ge_finding_free(&fi);

    /* A moved variable whose address is converted and stored in a global. */
    struct ge_report *r = parse_file("recordings/go126_testmod_test_c_m2_misc.txt");
    explain(find(r, GE_FACT_MOVED, "misc/ext_test.go", 12, 2), false, &fi);
    check(&fi, GE_CAT_MOVED, GE_CAUSE_INTERFACE,
          "v moved to heap: converted to interface (stored in the global sinkAny)",
          "heap: interface");
    ge_finding_free(&fi);
    ge_report_destroy(r);
}

static void test_forced(void **state)
{
    (void)state;
    struct ge_finding fi;
    explain(find(r126, GE_FACT_MOVED, "big/big.go", 6, 6), false, &fi);
    check(&fi, GE_CAT_MOVED, GE_CAUSE_TOO_LARGE, "a moved to heap: too large for the stack",
          "heap: too large");
    check_escape_step(&fi, "a is too large for the stack", 6, 6);
    char *remedy = ge_finding_remedy_new(&fi);
    assert_non_null(strstr(remedy, "Too large"));
    free(remedy);
    ge_finding_free(&fi);

    explain(find(r126, GE_FACT_ESCAPE, "big/big.go", 12, 11), false, &fi);
    check(&fi, GE_CAT_SLICE, GE_CAUSE_TOO_LARGE,
          "make([]byte, 131072) escapes to heap: too large for the stack", "heap: too large");
    ge_finding_free(&fi);

    explain(find(r122, GE_FACT_ESCAPE, "big/big.go", 22, 11), false, &fi);
    check(&fi, GE_CAT_SLICE, GE_CAUSE_NONCONST_SIZE,
          "make([]int, n) escapes to heap: size not constant", "heap: var size");
    remedy = ge_finding_remedy_new(&fi);
    assert_non_null(strstr(remedy, "constant"));
    free(remedy);
    ge_finding_free(&fi);
}

static void test_pointers_and_strings(void **state)
{
    (void)state;
    struct ge_finding fi;
    explain(find(r126, GE_FACT_ESCAPE, "big/big.go", 38, 36), false, &fi);
    check(&fi, GE_CAT_POINTER, GE_CAUSE_RETURNED, "&T{...} escapes to heap: returned from NewT",
          "heap: returned");
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_ESCAPE, "big/big.go", 27, 12), false, &fi);
    check(&fi, GE_CAT_POINTER, GE_CAUSE_RETURNED, "new(int) escapes to heap: returned from NewInt",
          "heap: returned");
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_ESCAPE, "big/big.go", 59, 44), false, &fi);
    check(&fi, GE_CAT_STRING, GE_CAUSE_RETURNED, "a + b escapes to heap: returned from Concat",
          "heap: returned");
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_ESCAPE, "big/big.go", 61, 45), false, &fi);
    check(&fi, GE_CAT_STRING, GE_CAUSE_RETURNED, "([]byte)(s) escapes to heap: returned from Bytes",
          "heap: returned");
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_ESCAPE, "big/big.go", 52, 15), false, &fi);
    check(&fi, GE_CAT_SLICE, GE_CAUSE_RETURNED,
          "append(s, v...) escapes to heap: returned from Appender", "heap: returned");
    ge_finding_free(&fi);
}

static void test_stores(void **state)
{
    (void)state;
    struct ge_finding fi;
    explain(find(r126, GE_FACT_ESCAPE, "maps/maps.go", 53, 25), false, &fi);
    check(&fi, GE_CAT_MAP, GE_CAUSE_GLOBAL,
          "map[string]int{...} escapes to heap: stored in the global global", "heap: global");
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_MOVED, "maps/maps.go", 28, 2), false, &fi);
    check(&fi, GE_CAT_MOVED, GE_CAUSE_MAP_STORE, "t moved to heap: stored in m[\"t\"]",
          "heap: stored");
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_MOVED, "other/other.go", 40, 2), false, &fi);
    check(&fi, GE_CAT_MOVED, GE_CAUSE_SENT, "x moved to heap: sent on a channel", "heap: sent");
    check_escape_step(&fi, "sent on a channel: c <- &x", 41, 4);
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_ESCAPE, "misc/loop.go", 6, 19), false, &fi);
    check(&fi, GE_CAT_CLOSURE, GE_CAUSE_APPENDED,
          "func literal escapes to heap: appended to a slice", "heap: appended");
    ge_finding_free(&fi);
}

static void test_params_and_noescape(void **state)
{
    (void)state;
    struct ge_finding fi;
    explain(find(r126, GE_FACT_PARAM, "big/big.go", 41, 9), false, &fi);
    check(&fi, GE_CAT_PARAM, GE_CAUSE_RESULT, "parameter p is returned as the first result",
          "leak: result");
    assert_null(ge_finding_remedy_new(&fi));
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_PARAM, "big/big.go", 43, 12), false, &fi);
    check(&fi, GE_CAT_PARAM, GE_CAUSE_GLOBAL,
          "the content of parameter pp leaks to the heap: stored in the global sinkp2",
          "leak: content");
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_PARAM, "closures/closures.go", 17, 12), true, &fi);
    assert_int_equal(fi.category, GE_CAT_PARAM);
    assert_string_equal(ge_finding_label(&fi), "leak: param");
    ge_finding_free(&fi);
    explain(find(r126, GE_FACT_NOESCAPE, "maps/maps.go", 44, 11), false, &fi);
    check(&fi, GE_CAT_NOESCAPE, GE_CAUSE_NONE, "make(map[int]int, 100) does not escape", "stack");
    assert_false(ge_category_is_heap(fi.category));
    assert_null(ge_finding_remedy_new(&fi));
    ge_finding_free(&fi);
}

static void test_m1_and_hints(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("go1.19/go119_full_m.txt");
    struct ge_finding fi;
    explain(find(r, GE_FACT_ESCAPE, "maps/maps.go", 7, 11), false, &fi);
    check(&fi, GE_CAT_MAP, GE_CAUSE_UNKNOWN, "make(map[string]int) escapes to heap", "heap");
    assert_int_equal(fi.nsteps, 0);
    assert_int_equal(fi.escape_step, -1);
    ge_finding_free(&fi);
    explain(find(r, GE_FACT_MOVED, "closures/closures.go", 10, 2), false, &fi);
    check(&fi, GE_CAT_MOVED, GE_CAUSE_UNKNOWN, "sum moved to heap", "heap: moved");
    ge_finding_free(&fi);
    ge_report_destroy(r);

    /* Named types from the package decide make(T) and T{...}. */
    struct ge_fact f = {.kind = GE_FACT_ESCAPE,
                        .file = "a.go",
                        .line = 1,
                        .col = 1,
                        .subject = "make(Header, len(h))",
                        .param_detail = ""};
    ge_finding_explain(&f, &fi);
    assert_int_equal(fi.category, GE_CAT_OTHER);
    ge_finding_free(&fi);
    struct ge_type_decl types[] = {{"Header", GE_TYPE_MAP}, {"Values", GE_TYPE_SLICE}};
    struct ge_explain_source src = {.types = types, .ntypes = 2};
    ge_finding_explain_src(&f, &src, &fi);
    assert_int_equal(fi.category, GE_CAT_MAP);
    ge_finding_free(&fi);
    f.subject = "Values{...}";
    ge_finding_explain_src(&f, &src, &fi);
    assert_int_equal(fi.category, GE_CAT_SLICE);
    ge_finding_free(&fi);
    f.subject = "statusError{...}";
    ge_finding_explain_src(&f, &src, &fi);
    assert_int_equal(fi.category, GE_CAT_INTERFACE);
    ge_finding_free(&fi);
    const struct {
        const char *subject;
        enum ge_category cat;
    } subjects[] = {
        {"make(chan int, 1)", GE_CAT_OTHER},
        {"make(url.Values)", GE_CAT_MAP},
        {"go.shape.[]string{}", GE_CAT_SLICE},
        {"map[go.shape.string]go.shape.*uint8{}", GE_CAT_MAP},
        {"\"[\" + net.host + \"]:\" + net.port", GE_CAT_STRING},
        {"r.start + r.length - int64(1)", GE_CAT_INTERFACE},
        {"re.res == nil", GE_CAT_STATIC},
        {"http2ConnectionError(1)", GE_CAT_INTERFACE},
        {"... argument", GE_CAT_SLICE},
        {"[4]int{...}", GE_CAT_INTERFACE},
        {"([]rune)(s)", GE_CAT_STRING},
        {"*(~R0)", GE_CAT_INTERFACE},
    };
    for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
        f.subject = subjects[i].subject;
        ge_finding_explain(&f, &fi);
        if (fi.category != subjects[i].cat)
            fail_msg("%s: %s", subjects[i].subject, ge_category_name(fi.category));
        ge_finding_free(&fi);
    }
}

static void test_humanize(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("go1.19/go119_test_c_m2_misc.txt");
    struct ge_finding fi;
    explain(find(r, GE_FACT_ESCAPE, "misc/misc_test.go", 15, 17), false, &fi);
    assert_string_equal(fi.subject, "*(inlined result 0)");
    assert_string_equal(fi.steps[0].message, "*(inlined result 0) is stored in an interface value");
    assert_string_equal(fi.steps[1].message, "packed into the arguments of a variadic call");
    ge_finding_free(&fi);
    explain(find(r, GE_FACT_PARAM, "misc/loop.go", 17, 12), false, &fi);
    assert_string_equal(fi.steps[1].message, "a temporary flows to the heap");
    ge_finding_free(&fi);
    ge_report_destroy(r);

    /* Generic shapes read as the types they stand for (Go 1.19 adds "_N"). */
    r = parse_file("go1.19/go119_generic_crosspkg_m2.txt");
    explain(find(r, GE_FACT_ESCAPE, "/home/dev/escdemo/gen/gen.go", 6, 13), false, &fi);
    assert_string_equal(fi.subject, "make([]string, int(0), len(gen.xs))");
    check(&fi, GE_CAT_SLICE, GE_CAUSE_NONCONST_SIZE,
          "make([]string, int(0), len(gen.xs)) escapes to heap: size not constant",
          "heap: var size");
    ge_finding_free(&fi);
    ge_report_destroy(r);
    struct ge_fact f = {.kind = GE_FACT_MOVED,
                        .file = "a.go",
                        .line = 1,
                        .col = 1,
                        .subject = "v",
                        .param_detail = "",
                        .func =
                            "Map[go.shape.struct { X float64; Y float64 }_0,go.shape.string_1]"};
    ge_finding_explain(&f, &fi);
    assert_string_equal(fi.func, "Map[struct { X float64; Y float64 },string]");
    ge_finding_free(&fi);

    /* A shortened string constant ("...", no closing quote) leaves its braces unbalanced. */
    struct ge_report_edge edge = {.dst = "{storage for f(\"{\\\"a\\\": {...)}", .src = "&x"};
    f = (struct ge_fact){.kind = GE_FACT_ESCAPE,
                         .file = "a.go",
                         .line = 1,
                         .col = 1,
                         .subject = "x",
                         .param_detail = "",
                         .edges = &edge,
                         .nedges = 1};
    ge_finding_explain(&f, &fi);
    assert_string_equal(fi.steps[0].message, "x flows to the storage of f(\"{\\\"a\\\": {...)");
    ge_finding_free(&fi);
}

/* One escape of subject at the start of text (the value the compiler reports there), placed
 * at the whole text as the range finder places an expression it found. */
static void explain_at(const char *subject, const char *text, struct ge_finding *out)
{
    static const struct ge_type_decl types[] = {{"Pair", GE_TYPE_STRUCT},
                                                {"Arr", GE_TYPE_ARRAY},
                                                {"Status", GE_TYPE_NAMED},
                                                {"Names", GE_TYPE_SLICE},
                                                {"H", GE_TYPE_MAP}};
    struct ge_fact f = {.kind = GE_FACT_ESCAPE,
                        .file = "a.go",
                        .line = 1,
                        .col = 1,
                        .subject = subject,
                        .param_detail = ""};
    size_t len = text ? strlen(text) : 0;
    struct ge_explain_source src = {.text = text,
                                    .len = len,
                                    .types = types,
                                    .ntypes = sizeof(types) / sizeof(types[0]),
                                    .span = {0, len},
                                    .fit = 0 /* the expression itself */};
    ge_finding_explain_src(&f, &src, out);
}

/* Values the compiler gives an address without allocating, and their near misses, which the
 * fixture tests/lsp/fixtures/static measures with testing.AllocsPerRun. */
static void test_static(void **state)
{
    (void)state;
    const struct {
        const char *subject;
        const char *source;  /* the text at the fact's position */
        enum ge_cause cause; /* GE_CAUSE_UNKNOWN: not static */
    } cases[] = {
        {"\"label:\"", "\"label:\"", GE_CAUSE_CONSTANT},
        {"401", "401", GE_CAUSE_CONSTANT},
        {"-5", "-5", GE_CAUSE_CONSTANT},
        {"3.5", "3.5", GE_CAUSE_CONSTANT},
        {"'x'", "'x'", GE_CAUSE_CONSTANT},
        {"true", "true", GE_CAUSE_CONSTANT},
        {"\"a long constant the compiler shortens...", "longConst", GE_CAUSE_CONSTANT},
        {"int64(7)", "int64(7)", GE_CAUSE_CONSTANT},
        {"Status(200)", "StatusOK", GE_CAUSE_CONSTANT},
        {"time.Duration(1000000000)", "time.Second", GE_CAUSE_CONSTANT},
        {"Pair{}", "Pair{}", GE_CAUSE_CONSTANT},
        {"Pair{...}", "Pair{A: 1, B: \"a\"}", GE_CAUSE_CONSTANT},
        {"Pair{...}", "Pair{1, \"a\"}", GE_CAUSE_CONSTANT},
        {"Arr{...}", "Arr{1, 2}", GE_CAUSE_CONSTANT},
        {"[2]int{...}", "[2]int{1, -2}", GE_CAUSE_CONSTANT},
        {"struct {}{}", "struct{}{}", GE_CAUSE_ZERO_SIZE},
        {"context.backgroundCtx{}", "context.Background()", GE_CAUSE_ZERO_SIZE},
        {"a == b", "a == b", GE_CAUSE_SMALL_VALUE},
        {"x > 0 && y", "x > 0 && y", GE_CAUSE_SMALL_VALUE},
        {"!ok", "!ok", GE_CAUSE_SMALL_VALUE},
        {"byte(i)", "byte(i)", GE_CAUSE_SMALL_VALUE},
        {"net/http..stmp_3", "x", GE_CAUSE_STATIC_DATA},
        /* Near misses: variables, calls, concatenations, slices, maps, unknown types. */
        {"x", "x", GE_CAUSE_UNKNOWN},
        {"s + \"x\"", "s + \"x\"", GE_CAUSE_UNKNOWN},
        {"\"a\" + s", "\"a\" + s", GE_CAUSE_UNKNOWN},
        {"strconv.Itoa(5)", "strconv.Itoa(5)", GE_CAUSE_UNKNOWN},
        {"f(1)", "f(1)", GE_CAUSE_UNKNOWN},
        {"int64(n)", "int64(n)", GE_CAUSE_UNKNOWN},
        {"uint16(i)", "uint16(i)", GE_CAUSE_UNKNOWN},
        {"Pair{...}", "Pair{i, \"a\"}", GE_CAUSE_UNKNOWN},
        {"Pair{...}", "Pair{A: n}", GE_CAUSE_UNKNOWN},
        {"Pair{...}", "Pair{A: -n}", GE_CAUSE_UNKNOWN},
        {"Pair{...}", NULL, GE_CAUSE_UNKNOWN},
        {"[2][]int{...}", "[2][]int{{1}, {2}}", GE_CAUSE_UNKNOWN},
        {"[]int{...}", "[]int{1, 2}", GE_CAUSE_UNKNOWN},
        {"Names{...}", "Names{\"a\"}", GE_CAUSE_UNKNOWN},
        {"H{...}", "H{\"a\": 1}", GE_CAUSE_UNKNOWN},
        {"http.Header{}", "http.Header{}", GE_CAUSE_UNKNOWN},
        {"render.String{...}", "render.String{Format: \"x\"}", GE_CAUSE_UNKNOWN},
        {"&Pair{}", "&Pair{}", GE_CAUSE_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ge_finding fi;
        explain_at(cases[i].subject, cases[i].source, &fi);
        bool want = cases[i].cause != GE_CAUSE_UNKNOWN;
        if ((fi.category == GE_CAT_STATIC) != want ||
            (want && fi.cause_kind != (uint8_t)cases[i].cause))
            fail_msg("%s at %s: %s, %s", cases[i].subject, cases[i].source,
                     ge_category_name(fi.category), ge_cause_name(fi.cause_kind));
        if (want) {
            assert_false(ge_category_is_heap(fi.category));
            assert_non_null(strstr(fi.message, " needs no allocation: "));
            assert_true(strncmp(fi.cause, "no allocation: ", 15) == 0);
            assert_string_equal(ge_finding_label(&fi), "static");
            assert_null(ge_finding_remedy_new(&fi));
        }
        ge_finding_free(&fi);
    }
    struct ge_finding fi;
    explain_at("\"label:\"", "\"label:\"", &fi);
    assert_string_equal(fi.message,
                        "\"label:\" needs no allocation: a constant is stored in read-only data");
    ge_finding_free(&fi);
    explain_at("struct {}{}", "struct{}{}", &fi);
    assert_string_equal(fi.cause, "no allocation: a zero-size value takes no memory");
    ge_finding_free(&fi);
    /* A constant the compiler folds from a builtin is reported at its '(' (the range finder
     * places it at the call), but nothing was inlined there. */
    struct ge_fact f = {.kind = GE_FACT_ESCAPE,
                        .file = "a.go",
                        .line = 1,
                        .col = 4,
                        .subject = "3",
                        .param_detail = ""};
    struct ge_explain_source src = {.text = "len(\"123\")", .len = 10, .span = {0, 10}, .fit = 1};
    ge_finding_explain_src(&f, &src, &fi);
    assert_string_equal(fi.message,
                        "3 needs no allocation: a constant is stored in read-only data");
    ge_finding_free(&fi);
}

static void test_names(void **state)
{
    (void)state;
    for (int c = 0; c < GE_CAT_COUNT; c++) {
        enum ge_category back;
        assert_int_equal(ge_category_parse(ge_category_name((enum ge_category)c), &back), 0);
        assert_int_equal(back, c);
        assert_int_equal(ge_category_is_heap((enum ge_category)c), c < GE_CAT_PARAM);
    }
    enum ge_category back;
    assert_int_equal(ge_category_parse("nope", &back), -22);
    assert_int_equal(ge_category_parse(NULL, &back), -22);
    for (int c = 0; c < GE_CAUSE_COUNT; c++)
        assert_non_null(ge_cause_name((enum ge_cause)c));
}

static bool has_internal_name(const char *s)
{
    static const char *const bad[] = {"~r",           "~R",     "~p",     ".autotmp",
                                      "{storage for", "{heap}", "{temp}", "go.shape.",
                                      "..stmp_",      "..dict", NULL};
    for (int i = 0; s != NULL && bad[i]; i++)
        if (strstr(s, bad[i]) != NULL)
            return true;
    return false;
}

/* Does word w[0..n) (letters only, compared without case) occur as a word in s[0..len)? */
static bool has_word(const char *s, size_t len, const char *w, size_t n)
{
    for (size_t i = 0; i + n <= len; i++) {
        bool start = i == 0 || !isalpha((unsigned char)s[i - 1]);
        bool end = i + n == len || !isalpha((unsigned char)s[i + n]);
        if (start && end && strncasecmp(s + i, w, n) == 0)
            return true;
    }
    return false;
}

/* Does a parenthesised remark in s (one opened after a space, as in "stored in a global
 * (global)") repeat a word of three letters or more that the text outside it already says?
 * Returns the repeated word's offset, or -1. */
static long repeats_in_parens(const char *s)
{
    size_t len = strlen(s);
    for (const char *p = strstr(s, " ("); p != NULL; p = strstr(p + 1, " (")) {
        size_t open = (size_t)(p - s) + 1, close = open, depth = 0;
        for (; close < len; close++) {
            depth += s[close] == '(';
            if (s[close] == ')' && --depth == 0)
                break;
        }
        for (size_t i = open + 1; i < close; i++) {
            size_t n = 0;
            while (i + n < close && isalpha((unsigned char)s[i + n]))
                n++;
            if (n >= 3 && !isalpha((unsigned char)s[i - 1]) &&
                (has_word(s, open, s + i, n) ||
                 (close < len && has_word(s + close + 1, len - close - 1, s + i, n))))
                return (long)i;
            i += n;
        }
    }
    return -1;
}

static void test_repeats_in_parens(void **state)
{
    (void)state;
    assert_true(repeats_in_parens("stored in a global (global)") >= 0);
    assert_true(repeats_in_parens("converted to interface (argument of interface.F)") >= 0);
    assert_int_equal(repeats_in_parens("converted to interface (argument of fmt.Println)"), -1);
    assert_int_equal(repeats_in_parens("stored in the global global"), -1);
    assert_int_equal(repeats_in_parens("stored in h[textproto.Key(textproto.key)]"), -1);
    assert_int_equal(repeats_in_parens("converted to interface (argument of (*T).M)"), -1);
}

/* Reads a file of tests/lsp/fixtures/static for ge_findings_build; keeps the last one. */
static int read_static(void *ctx, const char *path, const char **text, size_t *len)
{
    char **keep = ctx;
    free(*keep);
    const char *base = strrchr(path, '/');
    char rel[256];
    snprintf(rel, sizeof(rel), "../lsp/fixtures/static/%s", base ? base + 1 : path);
    *keep = load(rel, len);
    *text = *keep;
    return 0;
}

/* Words that are the compiler's, not the user's, even after humanizing: a result handed on
 * (result 0 = x), a temporary's method, an inlined call's result, a generic dictionary. */
static bool has_jargon(const char *s)
{
    static const char *const bad[] = {
        "result 0 =", "= result 0", "a temporary.", "inlined result", "type dictionary",
        "(result 0",  NULL};
    for (int i = 0; s != NULL && bad[i]; i++)
        if (strstr(s, bad[i]) != NULL)
            return true;
    return has_internal_name(s);
}

/* The 0-based line numbers of static.go that end in mark. */
static bool line_marked(const char *text, uint32_t line, const char *mark)
{
    const char *p = text;
    for (uint32_t l = 1; l < line && p != NULL; l++) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    if (p == NULL)
        return false;
    const char *end = strchr(p, '\n');
    size_t n = end ? (size_t)(end - p) : strlen(p), m = strlen(mark);
    return n >= m && memcmp(p + n - m, mark, m) == 0;
}

/* The fixture of values that need no allocation and of inlined standard-library calls, placed
 * with its source as the server places it: the static lines are static and the heap lines
 * are not, what inlined bodies make is the user's only when the call evaluates to it, and no
 * compiler name reaches a message, subject or step. */
static void test_static_fixture(void **state)
{
    (void)state;
    struct ge_report *r = parse_file("recordings/go126_static_build_m2.txt");
    const char *files[] = {"inlined.go", "static.go", "static_test.go"};
    struct ge_pkg_filter flt = {.import_path = "example.com/static",
                                .dir = GE_FIXTURES "/../lsp/fixtures/static",
                                .files = files,
                                .nfiles = 3,
                                .cwd = NULL};
    char *keep = NULL;
    struct ge_finding_set set;
    assert_int_equal(ge_findings_build(r, &flt, read_static, &keep, &set), 0);
    size_t len;
    char *text = load("../lsp/fixtures/static/static.go", &len);
    size_t nstatic = 0, ninlined = 0, nuser = 0;
    struct ge_buf scratch;
    ge_buf_init(&scratch, GE_MESSAGE_MAX);
    for (size_t i = 0; i < set.count; i++) {
        const struct ge_finding *fi = &set.items[i];
        const char *msg = ge_finding_message(fi, &scratch);
        if (has_jargon(msg) || has_jargon(fi->subject) || has_jargon(fi->cause))
            fail_msg("%s:%u: %s", fi->path, fi->line, msg);
        for (size_t k = 0; k < fi->nsteps; k++)
            if (has_jargon(fi->steps[k].message))
                fail_msg("%s:%u: step %s", fi->path, fi->line, fi->steps[k].message);
        bool in_static = strstr(fi->path, "/static.go") != NULL;
        if (in_static && fi->kind == GE_FACT_ESCAPE && line_marked(text, fi->line, "// static")) {
            assert_int_equal(fi->category, GE_CAT_STATIC);
            nstatic++;
        }
        if (in_static && line_marked(text, fi->line, "// heap") && fi->kind == GE_FACT_ESCAPE)
            assert_true(ge_category_is_heap(fi->category));
        if (strstr(msg, "oldnew") != NULL || strstr(msg, "sync.d moved") != NULL) {
            assert_int_equal(fi->category, GE_CAT_INLINED);
            ninlined++;
        }
        if (strstr(msg, "&strings.Replacer{...}") == msg) {
            assert_int_equal(fi->category, GE_CAT_POINTER);
            assert_non_null(strstr(msg, "inside the inlined call to strings.NewReplacer"));
            nuser++;
        }
        if (strstr(msg, "odd argument count") != NULL)
            assert_int_equal(fi->category, GE_CAT_STATIC);
    }
    assert_true(nstatic >= 21);
    assert_int_equal(ninlined, 3);
    assert_int_equal(nuser, 2);
    ge_buf_free(&scratch);
    free(text);
    free(keep);
    ge_finding_set_free(&set);
    ge_report_destroy(r);
}

/* Every recording of the directories that hold them, as "dir/name" in files (at most max).
 * A recording of a new Go version is a file dropped there; it is checked here with the rest. */
static size_t every_recording(char files[][256], size_t max)
{
    static const char *const dirs[] = {"recordings", "go1.19"};
    size_t n = 0;
    for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", GE_FIXTURES, dirs[k]);
        DIR *dir = opendir(path);
        assert_non_null(dir);
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            const char *name = e->d_name;
            size_t len = strlen(name);
            bool expected = strstr(name, ".expected.json") != NULL;
            bool text = (len > 4 && strcmp(name + len - 4, ".txt") == 0) ||
                        (len > 7 && strcmp(name + len - 7, ".stderr") == 0) ||
                        (len > 3 && strcmp(name + len - 3, ".gz") == 0);
            if (name[0] == '.' || expected || !text)
                continue;
            assert_true(n < max);
            int w = snprintf(files[n++], 256, "%s/%s", dirs[k], name);
            assert_true(w > 0 && w < 256);
        }
        closedir(dir);
    }
    return n;
}

/* Properties over every fact of every recording. */
static void test_properties(void **state)
{
    (void)state;
    static char files[64][256];
    size_t nfiles = every_recording(files, 64);
    print_message("%zu recordings\n", nfiles);
    assert_true(nfiles >= 9);
    size_t by_cause[GE_CAUSE_COUNT] = {0};
    for (size_t k = 0; k < nfiles; k++) {
        struct ge_report *r = parse_file(files[k]);
        for (size_t i = 0; i < r->nfacts; i++) {
            const struct ge_fact *f = &r->facts[i];
            struct ge_finding fi;
            ge_finding_explain(f, &fi);
            bool heap = f->kind == GE_FACT_ESCAPE || f->kind == GE_FACT_MOVED;
            if (ge_category_is_heap(fi.category))
                assert_true(heap);
            else if (heap)
                assert_true(fi.category == GE_CAT_STATIC || fi.category == GE_CAT_INLINED);
            heap = ge_category_is_heap(fi.category);
            assert_true(strlen(ge_finding_label(&fi)) <= 16);
            assert_true(fi.escape_step >= -1 && fi.escape_step < (int)fi.nsteps);
            if (f->nedges > 0 && heap)
                assert_true(fi.escape_step >= 0);
            if (has_internal_name(fi.message) || has_internal_name(fi.subject))
                fail_msg("%s: %s", files[k], fi.message);
            if (repeats_in_parens(fi.cause) >= 0)
                fail_msg("%s: a remark repeats its cause: %s", files[k], fi.cause);
            for (size_t s = 0; s < fi.nsteps; s++)
                if (has_internal_name(fi.steps[s].message))
                    fail_msg("%s: %s", files[k], fi.steps[s].message);
            free(ge_finding_remedy_new(&fi));
            by_cause[fi.cause_kind]++;
            ge_finding_free(&fi);
        }
        ge_report_destroy(r);
    }
    /* net/http exercises the causes that the test module does not. */
    assert_true(by_cause[GE_CAUSE_CALL_ARG] > 0);
    assert_true(by_cause[GE_CAUSE_POINTER_STORE] > 0);
    assert_true(by_cause[GE_CAUSE_HEAP] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_returned_map),
        cmocka_unit_test(test_map_to_println),
        cmocka_unit_test(test_closures),
        cmocka_unit_test(test_interfaces),
        cmocka_unit_test(test_forced),
        cmocka_unit_test(test_pointers_and_strings),
        cmocka_unit_test(test_stores),
        cmocka_unit_test(test_params_and_noescape),
        cmocka_unit_test(test_m1_and_hints),
        cmocka_unit_test(test_humanize),
        cmocka_unit_test(test_static),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_repeats_in_parens),
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_static_fixture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
