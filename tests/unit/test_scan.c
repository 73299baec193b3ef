/*
 * Unit tests of the Go scanner: the range finder on every construct the compiler reports
 * (names, calls, conversions, composite literals, &T{}, func literals, selectors, binary
 * expressions), its fallback to one character, non-ASCII lines, brackets inside comments,
 * strings and runes, and the declaration listers.
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

#include "goescape/scan.h"

/* Byte offset of 1-based line and byte column. */
static size_t offset_of(const char *text, uint32_t line, uint32_t col)
{
    size_t off = 0;
    for (uint32_t l = 1; l < line; l++)
        off = (size_t)(strchr(text + off, '\n') - text) + 1;
    return off + col - 1;
}

/* Scans at the byte delta past the first occurrence of anchor; checks the span's text. */
static void expect_at(const char *text, const char *anchor, size_t delta, enum ge_fact_kind kind,
                      const char *subject, const char *want)
{
    const char *a = strstr(text, anchor);
    assert_non_null(a);
    size_t pos = (size_t)(a - text) + delta;
    struct ge_span sp = ge_scan_expr(text, strlen(text), pos, kind, subject);
    assert_true(sp.start <= pos && pos < sp.end);
    char got[512];
    snprintf(got, sizeof(got), "%.*s", (int)(sp.end - sp.start), text + sp.start);
    assert_string_equal(got, want);
}

static void expect_line_col(const char *text, uint32_t line, uint32_t col, enum ge_fact_kind kind,
                            const char *subject, const char *want)
{
    size_t pos = offset_of(text, line, col);
    struct ge_span sp = ge_scan_expr(text, strlen(text), pos, kind, subject);
    assert_true(sp.start <= pos && pos < sp.end);
    char got[512];
    snprintf(got, sizeof(got), "%.*s", (int)(sp.end - sp.start), text + sp.start);
    assert_string_equal(got, want);
}

static const char SRC[] = "package p\n"
                          "\n"
                          "func F(n int, s string, b []byte) {\n"
                          "\tm := make(map[string]int, n)\n"
                          "\tp := new(bytes.Buffer)\n"
                          "\tx := []byte(s) // conversions print as ([]byte)(s)\n"
                          "\ty := string(b)\n"
                          "\tt := &T{A: 1, B: \"}\"}\n"
                          "\tu := map[string][]int{\"a\": {1, 2}}\n"
                          "\tv := []*T{{A: 1}}\n"
                          "\tw := s + \"(\" + s\n"
                          "\tz := fmt.Sprintf(\"%s=%d\", s, n)\n"
                          "\tg := s.Get\n"
                          "\th := shapes[0].Area\n"
                          "\tk := pkg.Pair[int, string]{}\n"
                          "\tq := struct{ X int }{X: 1}\n"
                          "\tr := f( /* ) */ ')', `)`, \"\\\")\")\n"
                          "}\n";

static void test_calls(void **state)
{
    (void)state;
    expect_at(SRC, "(map[string]int, n)", 0, GE_FACT_ESCAPE, "make(map[string]int, n)",
              "make(map[string]int, n)");
    expect_at(SRC, "(bytes.Buffer)", 0, GE_FACT_NOESCAPE, "new(bytes.Buffer)", "new(bytes.Buffer)");
    /* The printer adds parentheses around the type; the source has none. */
    expect_at(SRC, "(s) //", 0, GE_FACT_ESCAPE, "([]byte)(s)", "[]byte(s)");
    /* Go 1.26 points at the operand of the conversion. */
    expect_at(SRC, "(s) //", 1, GE_FACT_ESCAPE, "([]byte)(s)", "[]byte(s)");
    expect_at(SRC, "(b)\n", 0, GE_FACT_ESCAPE, "string(b)", "string(b)");
    /* Arguments are not compared: the printer folds constants and elides variadic lists. */
    expect_at(SRC, "(\"%s=%d\"", 0, GE_FACT_ESCAPE, "fmt.Sprintf(\"%s=%d\", ... argument...)",
              "fmt.Sprintf(\"%s=%d\", s, n)");
    /* Brackets inside comments, runes, raw strings and strings do not count. */
    expect_at(SRC, "( /* ) */", 0, GE_FACT_ESCAPE, "f(41, \")\", \"\\\")\")",
              "f( /* ) */ ')', `)`, \"\\\")\")");
}

static void test_composites(void **state)
{
    (void)state;
    expect_at(SRC, "&T{", 0, GE_FACT_ESCAPE, "&T{...}", "&T{A: 1, B: \"}\"}");
    expect_at(SRC, "{\"a\": {1", 0, GE_FACT_ESCAPE, "map[string][]int{...}",
              "map[string][]int{\"a\": {1, 2}}");
    /* An elided inner literal is just its braces. */
    expect_at(SRC, "{1, 2}}", 0, GE_FACT_ESCAPE, "[]int{...}", "{1, 2}");
    expect_at(SRC, "{{A: 1}}", 0, GE_FACT_ESCAPE, "[]*T{...}", "[]*T{{A: 1}}");
    expect_at(SRC, "{{A: 1}}", 1, GE_FACT_NOESCAPE, "&T{...}", "{A: 1}");
    /* Printed with a shape type that differs from the source: the type is walked back. */
    expect_at(SRC, "{}\n", 0, GE_FACT_ESCAPE, "pkg.Pair[go.shape.int,go.shape.string]{}",
              "pkg.Pair[int, string]{}");
    expect_at(SRC, "{X: 1}", 0, GE_FACT_ESCAPE, "struct { X int }{...}", "struct{ X int }{X: 1}");
    /* A multi-line struct type whose last line starts at column 0 (net/http transfer.go). */
    const char *multi = "var t = reflect.TypeOf(io.NopCloser(struct {\n"
                        "\tio.Reader\n"
                        "\tio.WriterTo\n"
                        "}{}))\n";
    expect_at(multi, "}{}", 1, GE_FACT_NOESCAPE, "struct { io.Reader; io.WriterTo }{}",
              "struct {\n\tio.Reader\n\tio.WriterTo\n}{}");
}

static void test_exprs(void **state)
{
    (void)state;
    expect_at(SRC, "+ \"(\"", 0, GE_FACT_ESCAPE, "s + \"(\" + s", "s + \"(\" + s");
    expect_at(SRC, "+ s\n", 0, GE_FACT_ESCAPE, "s + \"(\" + s", "s + \"(\" + s");
    expect_at(SRC, ".Get", 0, GE_FACT_ESCAPE, "s.Get", "s.Get");
    expect_at(SRC, ".Area", 0, GE_FACT_ESCAPE, "shapes[0].Area", "shapes[0].Area");
    /* A name: the identifier. */
    expect_at(SRC, "n int", 0, GE_FACT_PARAM, "n", "n");
    expect_at(SRC, "m :=", 0, GE_FACT_MOVED, "m", "m");
    /* Generic code prints locals with their package. */
    expect_at(SRC, "m :=", 0, GE_FACT_MOVED, "p.m", "m");
}

static void test_fallbacks(void **state)
{
    (void)state;
    /* Inside a comment or a string: one character. */
    expect_at(SRC, "conversions", 0, GE_FACT_ESCAPE, "conversions", "c");
    expect_at(SRC, "\"}\"", 1, GE_FACT_ESCAPE, "}", "}");
    /* A name that is not an argument of the call around the position. */
    expect_at(SRC, "s, n)", 0, GE_FACT_ESCAPE, "q", "s");
    /* A parameter is never anything but its name. */
    expect_at(SRC, "(\"%s", 0, GE_FACT_PARAM, "x", "(");
    /* Out of range and NULL subjects. */
    struct ge_span sp = ge_scan_expr(SRC, strlen(SRC), strlen(SRC), GE_FACT_ESCAPE, "x");
    assert_int_equal(sp.start, strlen(SRC));
    assert_int_equal(sp.end, strlen(SRC));
    sp = ge_scan_expr(SRC, strlen(SRC), 3, GE_FACT_ESCAPE, NULL);
    assert_int_equal(sp.start, 3);
    assert_int_equal(sp.end, 4);
    sp = ge_scan_expr(SRC, strlen(SRC), 0, GE_FACT_ESCAPE, "");
    assert_int_equal(sp.end, 1);
}

static const char CALLS[] = "package p\n"
                            "\n"
                            "func F(w http.ResponseWriter, name string, n int) error {\n"
                            "\tw.Header().Set(\"Content-Type\", name)\n"
                            "\tbuf = buf[:runtime.Stack(buf, false)]\n"
                            "\tsc.logf(\"panic: %v\", buf)\n"
                            "\tr := (&Request{Method: name}).WithContext(ctx)\n"
                            "\tv := Box[int](n)\n"
                            "\tm := writer{flush: http.NewResponseController(w).Flush, n: n}\n"
                            "\tb := []byte(name)\n"
                            "\tif err == (timeoutError{}) {\n"
                            "\t}\n"
                            "\treturn fr.connError(ErrCodeProtocol,\n"
                            "\t\tfmt.Sprintf(\"got %s\", name))\n"
                            "}\n";

/* What the body of an inlined call allocates, and the arguments it converts, are reported at
 * the call's '(', as is the implicit slice of a variadic call: the span is the whole call. */
static void test_inlined_calls(void **state)
{
    (void)state;
    expect_at(SRC, "(\"%s", 0, GE_FACT_ESCAPE, "&errors.errorString{...}",
              "fmt.Sprintf(\"%s=%d\", s, n)");
    expect_at(SRC, "(\"%s", 0, GE_FACT_NOESCAPE, "... argument", "fmt.Sprintf(\"%s=%d\", s, n)");
    /* Go 1.19 reports the arguments of a call at its '('. */
    expect_at(SRC, "(\"%s", 0, GE_FACT_ESCAPE, "n", "fmt.Sprintf(\"%s=%d\", s, n)");
    /* A variable of the inlined body: the call, as no name is there. */
    expect_at(SRC, "(\"%s", 0, GE_FACT_MOVED, "fmt.v", "fmt.Sprintf(\"%s=%d\", s, n)");
    /* The callee is the whole operand before the '(': selectors, calls, generics, conversions,
     * parenthesised expressions. */
    expect_at(CALLS, ".Set(", 4, GE_FACT_ESCAPE, "[]string{...}",
              "w.Header().Set(\"Content-Type\", name)");
    expect_at(CALLS, ".WithContext(", 12, GE_FACT_ESCAPE, "new(Request)",
              "(&Request{Method: name}).WithContext(ctx)");
    expect_at(CALLS, "[int](n)", 5, GE_FACT_MOVED, "p.v", "Box[int](n)");
    expect_at(CALLS, "(name)\n\tif", 0, GE_FACT_ESCAPE, "\"x\"", "[]byte(name)");
    expect_at(CALLS, "(ErrCodeProtocol", 0, GE_FACT_ESCAPE, "http2ConnectionError(1)",
              "fr.connError(ErrCodeProtocol,\n\t\tfmt.Sprintf(\"got %s\", name))");
    /* A statement on the line before never becomes part of the callee. */
    expect_at(CALLS, "(\"panic", 0, GE_FACT_NOESCAPE, "... argument",
              "sc.logf(\"panic: %v\", buf)");
    /* The result of an inlined call, converted at its '(': the call is the expression. */
    expect_at(CALLS, "(ErrCodeProtocol", 0, GE_FACT_ESCAPE, "~r0",
              "fr.connError(ErrCodeProtocol,\n\t\tfmt.Sprintf(\"got %s\", name))");
    /* A method value of an inlined call's result, reported at its '.': the whole selector. */
    expect_at(CALLS, ".Flush,", 0, GE_FACT_ESCAPE, "(~r0).Flush",
              "http.NewResponseController(w).Flush");
    /* A parenthesised composite literal, reported at its '('. */
    expect_at(CALLS, "(timeoutError{})", 0, GE_FACT_NOESCAPE, "timeoutError{}", "(timeoutError{})");
}

/* Go before 1.26 reports an argument converted to an interface at a neighbouring argument; a
 * constant is printed as its value. */
static void test_neighbours_and_constants(void **state)
{
    (void)state;
    /* fmt.Sprintf("%s=%d", name, n): name and n are reported at the format. */
    expect_at(SRC, "\"%s=%d\"", 0, GE_FACT_ESCAPE, "n", "\"%s=%d\"");
    expect_at(SRC, "\"%s=%d\"", 0, GE_FACT_ESCAPE, "s", "\"%s=%d\"");
    expect_at(SRC, "s, n)", 0, GE_FACT_ESCAPE, "n", "s");
    /* fmt.Println(ys, *p, st): st at *p. */
    const char *println = "\tfmt.Println(ys, *p, st)\n";
    expect_at(println, "*p", 0, GE_FACT_ESCAPE, "st", "*");
    /* The name must be an argument of that call, on that line. */
    const char *lines = "\tfmt.Println(ys,\n\t\tst)\n\tf(ys, g(st))\n";
    expect_at(lines, "ys,\n", 0, GE_FACT_ESCAPE, "st", "y");
    expect_at(lines, "ys, g", 0, GE_FACT_ESCAPE, "st", "y");
    /* Constants: the name, the qualified name, the literal the printer shortened. */
    const char *consts =
        "\tfmt.Errorf(\"want %q %d\", NextProtoTLS, http.StatusOK)\n"
        "\tpanic(\"invalid Body.Read call. After hijacked, the original Request must not be "
        "used\")\n";
    expect_at(consts, "NextProtoTLS", 0, GE_FACT_ESCAPE, "\"h2\"", "NextProtoTLS");
    expect_at(consts, ".StatusOK", 0, GE_FACT_ESCAPE, "200", "http.StatusOK");
    expect_at(consts, "\"invalid", 0, GE_FACT_ESCAPE,
              "\"invalid Body.Read call. After hijacked, the original Request must no...",
              "\"invalid Body.Read call. After hijacked, the original Request must not be "
              "used\"");
}

static const char CHAINS[] = "package p\n"
                             "\n"
                             "func Label(名前 string, id int) string {\n"
                             "\treturn \"名前=\" + 名前 + \"#\" + strconv.Itoa(id)\n"
                             "}\n"
                             "\n"
                             "func G(v string, xs []string, r rng) string {\n"
                             "\tq := `\"` + v + `\"`\n"
                             "\ts := xs[0] +\n"
                             "\t\t(v + \"x\") + f(v)[1:] +\n"
                             "\t\tr.name\n"
                             "\t+x\n"
                             "\tfmt.Sprintf(\"%d-%d\", r.start, r.start+r.length*2-1)\n"
                             "\tfmt.Fprintf(w, \" (%d omitted)\", len(f.Data())-max)\n"
                             "\tfmt.Println(m, *helper())\n"
                             "\treturn path.Base(url)+\"/\"\n"
                             "}\n";

/* a + b + c is reported at one of its '+' (the last, as the compiler builds the chain left to
 * right) and printed with inlined results as ~r0: the span is every operand of the chain. */
static void test_binary_chains(void **state)
{
    (void)state;
    const char *label = "\"名前=\" + 名前 + \"#\" + strconv.Itoa(id)";
    expect_at(CHAINS, "+ strconv", 0, GE_FACT_ESCAPE, "\"名前=\" + 名前 + \"#\" + ~r0", label);
    expect_at(CHAINS, "+ 名前", 0, GE_FACT_ESCAPE, "\"名前=\" + 名前 + \"#\" + ~r0", label);
    /* The printer writes raw strings as interpreted ones. */
    expect_at(CHAINS, "+ v +", 0, GE_FACT_ESCAPE, "\"\\\"\" + v + \"\\\"\"", "`\"` + v + `\"`");
    /* Across lines, parenthesised operands, calls, index and slice expressions, selectors; the
     * next statement, although it starts with '+', is not part of it. */
    expect_at(CHAINS, "+ f(v)", 0, GE_FACT_ESCAPE, "xs[0] + v + \"x\" + ~r0[1:] + r.name",
              "xs[0] +\n\t\t(v + \"x\") + f(v)[1:] +\n\t\tr.name");
    /* Arithmetic, with operators of higher precedence inside the operands. */
    expect_at(CHAINS, "-1)", 0, GE_FACT_ESCAPE, "r.start + r.length * 2 - int64(1)",
              "r.start+r.length*2-1");
    expect_at(CHAINS, "-max", 0, GE_FACT_ESCAPE, "len(~r0) - 256", "len(f.Data())-max");
    expect_at(CHAINS, "+\"/\"", 0, GE_FACT_ESCAPE, "~r0 + \"/\"", "path.Base(url)+\"/\"");
    /* A unary operator and its operand. */
    expect_at(CHAINS, "*helper", 0, GE_FACT_ESCAPE, "*(~R0)", "*helper()");
    /* The operator must be the subject's. */
    expect_at(CHAINS, "+ strconv", 0, GE_FACT_ESCAPE, "a - ~r0", "+");
}

/* The printer shortens a long string constant to 72 runes ending in "..." and no closing
 * quote; the rest of the subject still lines up with the source. */
static void test_shortened_strings(void **state)
{
    (void)state;
    const char *src = "func Long() {\n"
                      "\tkeep([]byte(`{\n"
                      "\"object\": {\n"
                      "\t\"slice\": [\n"
                      "\t\t1,\n"
                      "\t\t2.0,\n"
                      "\t\t\"3\",\n"
                      "\t\t[4],\n"
                      "\t\t{5: {}}\n"
                      "\t]\n"
                      "}\n"
                      "}`))\n"
                      "\ts := \"a string constant that is long enough for the printer to shorten "
                      "it when printing\" + x\n"
                      "}\n";
    const char *conv = "([]byte)(\"{\\n\\\"object\\\": {\\n\\t\\\"slice\\\": [\\n\\t\\t1,\\n\\t\\t"
                       "2.0,\\n\\t\\t\\\"3\\\",\\n\\t\\t...)";
    const char *want = "[]byte(`{\n\"object\": {\n\t\"slice\": [\n\t\t1,\n\t\t2.0,\n\t\t\"3\",\n"
                       "\t\t[4],\n\t\t{5: {}}\n\t]\n}\n}`)";
    expect_at(src, "(`", 0, GE_FACT_ESCAPE, conv, want); /* Go 1.19 to 1.25: the '(' */
    expect_at(src, "(`", 1, GE_FACT_ESCAPE, conv, want); /* Go 1.26: the operand */
    expect_at(src, "+ x", 0, GE_FACT_ESCAPE,
              "\"a string constant that is long enough for the printer to shorten it ... + x",
              "\"a string constant that is long enough for the printer to shorten it when "
              "printing\" + x");
}

static const char FUNCS[] = "package p\n"
                            "\n"
                            "func A() func(int) (int, error) {\n"
                            "\treturn func(x int) (int, error) { return x, nil }\n"
                            "}\n"
                            "\n"
                            "func B() {\n"
                            "\tgo func(\n"
                            "\t\ta int,\n"
                            "\t\tb string,\n"
                            "\t) struct{ X int } {\n"
                            "\t\treturn struct{ X int }{a}\n"
                            "\t}(1, \"x\")\n"
                            "\tdefer func() { recover() }()\n"
                            "\tf := func() {}\n"
                            "\tg := func() map[string]int { return nil }\n"
                            "}\n";

static void test_func_literals(void **state)
{
    (void)state;
    expect_at(FUNCS, "func(x int)", 0, GE_FACT_ESCAPE, "func literal", "func(x int) (int, error)");
    /* Multi-line parameters, a struct result: the signature only, never the body. */
    expect_at(FUNCS, "func(\n", 0, GE_FACT_ESCAPE, "func literal",
              "func(\n\t\ta int,\n\t\tb string,\n\t) struct{ X int }");
    expect_at(FUNCS, "func() {}", 0, GE_FACT_NOESCAPE, "func literal", "func()");
    expect_at(FUNCS, "func() map", 0, GE_FACT_ESCAPE, "func literal", "func() map[string]int");
    /* The go statement's wrapper is reported at "go": one character. */
    expect_at(FUNCS, "go func", 0, GE_FACT_ESCAPE, "func literal", "g");
    assert_string_equal(
        ge_scan_stmt_keyword(FUNCS, strlen(FUNCS), (size_t)(strstr(FUNCS, "go func") - FUNCS) + 3),
        "go");
    assert_string_equal(ge_scan_stmt_keyword(FUNCS, strlen(FUNCS),
                                             (size_t)(strstr(FUNCS, "defer func") - FUNCS) + 6),
                        "defer");
    assert_null(
        ge_scan_stmt_keyword(FUNCS, strlen(FUNCS), (size_t)(strstr(FUNCS, "func() {}") - FUNCS)));
}

/* Positions recorded from the compiler on the test module. */
static void test_testmod(void **state)
{
    (void)state;
    size_t n;
    char *maps = load("testmod/maps/maps.go", &n);
    expect_line_col(maps, 7, 11, GE_FACT_ESCAPE, "make(map[string]int)", "make(map[string]int)");
    expect_line_col(maps, 14, 23, GE_FACT_ESCAPE, "map[string]int{...}",
                    "map[string]int{\"a\": 1, \"b\": 2}");
    expect_line_col(maps, 27, 20, GE_FACT_ESCAPE, "map[string]*T{}", "map[string]*T{}");
    expect_line_col(maps, 28, 2, GE_FACT_MOVED, "t", "t");
    expect_line_col(maps, 36, 9, GE_FACT_ESCAPE, "func literal", "func() int");
    free(maps);

    char *big = load("testmod/big/big.go", &n);
    /* Go 1.26 folds the constant; the arguments are not compared. */
    expect_line_col(big, 12, 11, GE_FACT_ESCAPE, "make([]byte, 131072)", "make([]byte, 1<<17)");
    expect_line_col(big, 38, 36, GE_FACT_ESCAPE, "&T{...}", "&T{A: 1}");
    expect_line_col(big, 59, 44, GE_FACT_ESCAPE, "a + b", "a + b");
    expect_line_col(big, 61, 44, GE_FACT_ESCAPE, "([]byte)(s)", "[]byte(s)"); /* Go 1.19 */
    expect_line_col(big, 61, 45, GE_FACT_ESCAPE, "([]byte)(s)", "[]byte(s)"); /* Go 1.26 */
    expect_line_col(big, 52, 15, GE_FACT_ESCAPE, "append", "append(s, v...)");
    free(big);

    char *cl = load("testmod/closures/closures.go", &n);
    expect_line_col(cl, 11, 9, GE_FACT_ESCAPE, "func literal", "func(x int) int");
    expect_line_col(cl, 48, 45, GE_FACT_ESCAPE, "s.Get", "s.Get");
    expect_line_col(cl, 51, 7, GE_FACT_NOESCAPE, "&S{...}", "&S{v: 1}");
    free(cl);

    /* Non-ASCII: byte columns, multi-byte identifiers and comments before the position. */
    char *uni = load("testmod/uni/uni.go", &n);
    expect_line_col(uni, 5, 55, GE_FACT_ESCAPE, "值", "值");              /* Go 1.26 */
    expect_line_col(uni, 5, 54, GE_FACT_ESCAPE, "值", "fmt.Println(值)"); /* Go 1.19: at '(' */
    expect_line_col(uni, 5, 13, GE_FACT_PARAM, "值", "值");
    expect_line_col(uni, 9, 51, GE_FACT_ESCAPE, "\"😀😀\"", "s"); /* printed as the constant */
    free(uni);
}

static void test_one_utf8_char(void **state)
{
    (void)state;
    const char *s = "x := \"é\" // 値";
    size_t pos = (size_t)(strstr(s, "値") - s);
    struct ge_span sp = ge_scan_expr(s, strlen(s), pos, GE_FACT_ESCAPE, "y");
    assert_int_equal(sp.start, pos);
    assert_int_equal(sp.end, pos + 3);
    /* A truncated sequence counts as one byte. */
    const char bad[] = "a\xe5\x80";
    sp = ge_scan_expr(bad, 3, 1, GE_FACT_ESCAPE, "y");
    assert_int_equal(sp.end, 2);
}

static void test_scan_funcs(void **state)
{
    (void)state;
    const char *src = "package p\n"
                      "func F() {}\n"
                      "func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }\n"
                      "func (q Sq) Area() float64 { return q.s * q.s }\n"
                      "func (*T) M() (x int) { f := func() {}; _ = f; return }\n"
                      "func Map[T, U any](xs []T, f func(T) U) []U { return nil }\n"
                      "func asm(x int) int\n"
                      "var v = func() int { return 1 }\n"
                      "func (m Pair[K, V]) Get() struct{ k K } { return struct{ k K }{} }\n";
    struct ge_func_decl *d = NULL;
    size_t n = ge_scan_funcs(src, strlen(src), &d);
    assert_int_equal(n, 7);
    assert_string_equal(d[0].name, "F");
    assert_string_equal(d[1].name, "(*Stack[T]).Push");
    assert_string_equal(d[2].name, "Sq.Area");
    assert_string_equal(d[3].name, "(*T).M");
    assert_string_equal(d[4].name, "Map");
    assert_string_equal(d[5].name, "asm");
    assert_string_equal(d[6].name, "Pair[K, V].Get");
    /* Spans: the name, and the whole declaration. */
    assert_memory_equal(src + d[1].name_span.start, "Push", 4);
    const char *decl = "func asm(x int) int";
    assert_int_equal(d[5].decl.end - d[5].decl.start, strlen(decl));
    assert_memory_equal(src + d[5].decl.start, decl, strlen(decl));
    assert_int_equal(src[d[3].decl.end - 1], '}');
    assert_int_equal(src[d[3].decl.end], '\n');
    ge_func_decls_free(d, n);

    size_t len;
    char *text = load("testmod/closures/closures.go", &len);
    n = ge_scan_funcs(text, len, &d);
    assert_int_equal(n, 9);
    assert_string_equal(d[0].name, "MakeAdder");
    assert_string_equal(d[6].name, "(*S).Get");
    assert_string_equal(d[7].name, "MethodValue");
    ge_func_decls_free(d, n);
    free(text);
}

static void test_scan_types(void **state)
{
    (void)state;
    const char *src = "package p\n"
                      "type Header map[string][]string\n"
                      "type (\n"
                      "\tValues []string\n"
                      "\tT struct {\n"
                      "\t\tA, B int\n"
                      "\t}\n"
                      "\tCh chan int; Arr [4]int\n"
                      "\tAlias = map[int]int\n"
                      ")\n"
                      "type Set[K comparable] map[K]struct{}\n"
                      "type Fn func(int) int\n"
                      "type I interface{ M() }\n"
                      "type P *T\n"
                      "type H http.Header\n"
                      "func f() { type local map[int]int }\n";
    struct ge_type_decl *t = NULL;
    size_t n = ge_scan_types(src, strlen(src), &t);
    const struct {
        const char *name;
        enum ge_type_kind kind;
    } want[] = {
        {"Header", GE_TYPE_MAP}, {"Values", GE_TYPE_SLICE}, {"T", GE_TYPE_STRUCT},
        {"Ch", GE_TYPE_CHAN},    {"Arr", GE_TYPE_ARRAY},    {"Alias", GE_TYPE_MAP},
        {"Set", GE_TYPE_MAP},    {"Fn", GE_TYPE_FUNC},      {"I", GE_TYPE_INTERFACE},
        {"P", GE_TYPE_POINTER},  {"H", GE_TYPE_NAMED},
    };
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(t[i].name, want[i].name);
        assert_int_equal(t[i].kind, want[i].kind);
    }
    ge_type_decls_free(t, n);
}

static void test_scan_callee(void **state)
{
    (void)state;
    const char *s = "\tfmt.Println(m)\n\ts.mu.Lock()\n\t(f)(x)\n";
    struct ge_span sp = ge_scan_callee(s, strlen(s), (size_t)(strchr(s, '(') - s));
    assert_int_equal(sp.end - sp.start, strlen("fmt.Println"));
    assert_memory_equal(s + sp.start, "fmt.Println", sp.end - sp.start);
    const char *lock = strstr(s, "s.mu.Lock");
    sp = ge_scan_callee(s, strlen(s), (size_t)(lock - s) + 9);
    assert_int_equal(sp.start, (size_t)(lock - s));
    /* Not at '(' or no name before it: empty. */
    sp = ge_scan_callee(s, strlen(s), 1);
    assert_int_equal(sp.start, sp.end);
    sp = ge_scan_callee(s, strlen(s), (size_t)(strstr(s, "(x)") - s));
    assert_int_equal(sp.start, sp.end);
}

/* Regression (fuzz_scan): a NUL byte at the very end was lexed as a two-byte operator whose
 * end lay past the text. The buffers are exactly as long as the text, so ASan sees any read
 * beyond it. */
static void test_nul_bytes(void **state)
{
    (void)state;
    static const char *const texts[] = {"func f() int \0", "\0", "x := a\0\0", "&&\0"};
    static const size_t lens[] = {14, 1, 9, 3};
    for (size_t k = 0; k < 4; k++) {
        char *t = malloc(lens[k]);
        memcpy(t, texts[k], lens[k]);
        struct ge_func_decl *d = NULL;
        size_t n = ge_scan_funcs(t, lens[k], &d);
        for (size_t i = 0; i < n; i++)
            assert_true(d[i].decl.end <= lens[k]);
        ge_func_decls_free(d, n);
        struct ge_type_decl *ty = NULL;
        ge_type_decls_free(ty, ge_scan_types(t, lens[k], &ty));
        for (size_t pos = 0; pos < lens[k]; pos++) {
            struct ge_span sp = ge_scan_expr(t, lens[k], pos, GE_FACT_ESCAPE, "a\0");
            assert_true(sp.start <= pos && pos < sp.end && sp.end <= lens[k]);
            sp = ge_scan_expr(t, lens[k], pos, GE_FACT_ESCAPE, "func literal");
            assert_true(sp.end <= lens[k]);
        }
        free(t);
    }
}

/* A raw string holding a line that starts with "func " at column 0 does not start a
 * declaration: lexing from there would read the string's closing backquote as an opening one
 * and take everything after it for a string. */
static void test_raw_string_with_decl_line(void **state)
{
    (void)state;
    const char *src = "package p\n"
                      "\n"
                      "func F() map[string]int {\n"
                      "\ts := `\n"
                      "func bogus() {\n"
                      "`\n"
                      "\t_ = s\n"
                      "\treturn make(map[string]int)\n"
                      "}\n"
                      "\n"
                      "/*\n"
                      "func inComment() { `\n"
                      "*/\n"
                      "func G() *T { return &T{A: 1} }\n";
    expect_at(src, "(map[string]int)\n", 0, GE_FACT_ESCAPE, "make(map[string]int)",
              "make(map[string]int)");
    expect_at(src, "&T{", 0, GE_FACT_ESCAPE, "&T{...}", "&T{A: 1}");
}

/* The hint of the expression `span` (its first occurrence after `after`) goes where '|' is
 * in `want`, a piece of src with a '|' added. */
static void expect_hint(const char *src, const char *after, const char *span, const char *want)
{
    const char *from = strstr(src, after);
    assert_non_null(from);
    const char *sp = strstr(from, span);
    assert_non_null(sp);
    size_t end = (size_t)(sp - src) + strlen(span);
    char piece[256];
    const char *bar = strchr(want, '|');
    assert_non_null(bar);
    snprintf(piece, sizeof(piece), "%.*s%s", (int)(bar - want), want, bar + 1);
    const char *at = strstr(src, piece);
    assert_non_null(at);
    size_t got = ge_scan_hint_offset(src, strlen(src), end);
    if (got != (size_t)(at - src) + (size_t)(bar - want))
        fail_msg("hint of %s after %s at %zu (%.*s|%s), want %s", span, after, got, (int)got, src,
                 src + got, want);
}

static void test_hint_offset(void **state)
{
    (void)state;
    const char *src = "package p\n"
                      "\n"
                      "func F(c *C, key any, xs []int) (any, error) {\n"
                      "\tv := c.Request.Context().Value(key)\n"
                      "\tcp := Context{\n"
                      "\t\tA: 1,\n"
                      "\t}\n"
                      "\tvar a [4]int\r\n"
                      "\tuse(a, &cp)\n"
                      "\t_ = xs[len(a)]\n"
                      "\tgo func() { keep(&cp) }()\n"
                      "\tp := &T{}; keep(p)\n"
                      "\tf(v /* why */, key)\n"
                      "\tg(v + \")\") // )\n"
                      "\tw := c.Field // the field\n"
                      "\ts := fmt.Sprint(v, `a\n"
                      "b`) + \"x\"\n"
                      "\treturn &T{\n"
                      "\t\tB: 2,\n"
                      "\t}, nil\n"
                      "}\n"
                      "var last = x";
    /* Followed by something that is not a delimiter: the end of the line. */
    expect_hint(src, "v :=", "c.Request.Context()", "Value(key)|\n");
    expect_hint(src, "\tcp", "cp", "cp := Context{|\n");
    expect_hint(src, "var a", "a", "var a [4]int|\r\n");
    expect_hint(src, "go func", "func() { keep(&cp) }", "{ keep(&cp) }()|\n");
    expect_hint(src, "g(v", "v", "g(v + \")\")| // )\n");
    expect_hint(src, "w :=", "w", "w := c.Field| // the field\n");
    /* A raw string carries the line on to the one where it ends. */
    expect_hint(src, "s :=", "s", "b`) + \"x\"|\n");
    /* Followed by a delimiter, a comment that ends the line, or the end of the text. */
    expect_hint(src, "use(", "a", "use(a|, &cp)");
    expect_hint(src, "use(", "&cp", "use(a, &cp|)");
    expect_hint(src, "xs[", "len(a)", "xs[len(a)|]");
    expect_hint(src, "keep(&", "&cp", "keep(&cp|) }");
    expect_hint(src, "p :=", "&T{}", "&T{}|; keep");
    expect_hint(src, "f(v", "v", "f(v| /* why */");
    expect_hint(src, "w := c", "c.Field", "c.Field| // the field");
    expect_hint(src, "return &T", "&T{\n\t\tB: 2,\n\t}", "\t}|, nil");
    expect_hint(src, "cp := ", "Context{\n\t\tA: 1,\n\t}", "\t}|\n\tvar a");
    expect_hint(src, "var last", "x", "last = x|");
    /* Past the text, and a line too long to follow. */
    assert_int_equal(ge_scan_hint_offset(src, strlen(src), strlen(src) + 5), strlen(src) + 5);
    size_t n = GE_SCAN_HINT_MAX + 64;
    char *long_line = malloc(n + 1);
    assert_non_null(long_line);
    memcpy(long_line, "x := y", 6);
    for (size_t i = 6; i + 1 < n; i += 2)
        memcpy(long_line + i, "+z", 2);
    long_line[n - 1] = '\n';
    long_line[n] = '\0';
    assert_int_equal(ge_scan_hint_offset(long_line, n, 1), 1);
    assert_int_equal(ge_scan_hint_offset(long_line, 4096, 1), 4096);
    free(long_line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calls),         cmocka_unit_test(test_composites),
        cmocka_unit_test(test_exprs),         cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_inlined_calls), cmocka_unit_test(test_neighbours_and_constants),
        cmocka_unit_test(test_binary_chains), cmocka_unit_test(test_shortened_strings),
        cmocka_unit_test(test_func_literals), cmocka_unit_test(test_testmod),
        cmocka_unit_test(test_one_utf8_char), cmocka_unit_test(test_scan_funcs),
        cmocka_unit_test(test_scan_types),    cmocka_unit_test(test_scan_callee),
        cmocka_unit_test(test_nul_bytes),     cmocka_unit_test(test_raw_string_with_decl_line),
        cmocka_unit_test(test_hint_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
