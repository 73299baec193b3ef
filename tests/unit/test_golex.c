/*
 * Unit tests of the tokenizer's outline (golex_toks_init_outline), which the declaration
 * listers read instead of every token: it must be exactly the full token list with the inside
 * of each brace pair, and of each var, const or import group, that golex_toks_close can close
 * left out, and the closing bracket kept as lexed (offsets, kind and the newline before it). Braces
 * in strings, raw strings, runes and comments, unterminated literals, unclosed pairs and pairs
 * longer than GOLEX_MAX_SPAN are where a shortcut would go wrong; the testmod sources are the
 * ordinary case.
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

#include "../../analysis/golex.h"
#include "goescape/scan.h"

/* Every token of the list, lexed to the end. */
static size_t lex_all(struct golex_toks *ts)
{
    size_t n = 0;
    while (golex_toks_need(ts, n))
        n++;
    return n;
}

static bool is_ident(const struct golex_toks *ts, size_t i, const char *s)
{
    return ts->v[i].kind == T_IDENT && golex_is(ts->lx.text, &ts->v[i], s);
}

/* A brace, or the parenthesis of a var, const or import group: the pairs an outline leaves
 * out when they close. */
static bool opens_outlined(const struct golex_toks *ts, size_t i)
{
    const struct golex_tok *t = &ts->v[i];
    if (t->kind != T_OP || t->end - t->start != 1)
        return false;
    char c = ts->lx.text[t->start];
    return c == '{' || (c == '(' && i > 0 &&
                        (is_ident(ts, i - 1, "var") || is_ident(ts, i - 1, "const") ||
                         is_ident(ts, i - 1, "import")));
}

/* The outline of text must be the full list without the insides of the pairs it closes. */
static void check_outline(const char *text, size_t len)
{
    struct golex_toks full, outline;
    golex_toks_init(&full, text, len, 0);
    golex_toks_init_outline(&outline, text, len);
    size_t nf = lex_all(&full);
    size_t no = lex_all(&outline);
    size_t k = 0;
    for (size_t i = 0; i < nf; i++) {
        if (k >= no)
            fail_msg("outline ends at token %zu of %zu (offset %u)", k, nf, full.v[i].start);
        const struct golex_tok *a = &full.v[i], *b = &outline.v[k++];
        if (a->start != b->start || a->end != b->end || a->kind != b->kind ||
            a->nl_before != b->nl_before)
            fail_msg("token %zu: full [%u,%u) kind %d nl %d, outline [%u,%u) kind %d nl %d", i,
                     a->start, a->end, a->kind, a->nl_before, b->start, b->end, b->kind,
                     b->nl_before);
        if (opens_outlined(&full, i)) {
            long c = golex_toks_close(&full, i);
            if (c >= 0)
                i = (size_t)c - 1; /* the '}' is the next outline token */
        }
    }
    assert_int_equal(k, no);
    golex_toks_free(&full);
    golex_toks_free(&outline);
}

static void test_outline_tricky_bodies(void **state)
{
    (void)state;
    static const char *const texts[] = {
        /* Braces inside literals and comments, and the newline before a '}'. */
        "package p\n"
        "func F() {\n"
        "\ts := \"}\" + \"\\\"}\" + `}\n{` + string('}') + string('\\'')\n"
        "\t// }\n"
        "\t/* } { */ x := map[string]struct{}{\"{\": {}}\n"
        "\tif x != nil { return } /* a\nb */}\n"
        "type T struct { A int // }\n}\n"
        "func G() { y := 1 // c\n}\n"
        "func H() { z := 1.e+5 /**/}\n",
        /* Unterminated literals stop at the end of their line, or run to the end. */
        "func F() {\n\ts := \"abc\n\tr := 'x\n}\nfunc G() {}\n",
        "func F() { s := `never closed }\n}\n",
        "func F() { /* never closed }\n}\n",
        /* Unclosed pairs, and a '}' with nothing open. */
        "func F() { if x {\n",
        "} func F() { { }",
        /* Bytes golex reads as tokens of their own. */
        "func F() {\f\v\x01 x}\n",
        "",
        "{",
        "{}",
        "{\n}",
        "{/*\n*/}",
        "{//\n}",
        "{\"\n}",
        "{'}'}",
        /* Declaration groups: parentheses in literals, comments and nested calls. */
        "import (\n\t\"fmt\" // )\n\t_ \"os\"\n)\n"
        "var (\n\ta = f(\")\", ')')\n\tb = (1 + (2)) /* ) */\n)\nfunc F() {}\n"
        "const (\n\tc = `)\n(`\n\td = iota\n)\ntype (\n\tT struct{ x int }\n)\n",
        "var (\n\tx = 1\n",
        "const ( /* a\nb */)",
        "var x = f(1)\nvar y = (2)\n",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        check_outline(texts[i], strlen(texts[i]));
    /* A NUL byte inside a body is a token of its own too. */
    static const char nul[] = "func F() { a \0 } }\nfunc G() {}\n";
    check_outline(nul, sizeof(nul) - 1);
}

/* A pair that closes past GOLEX_MAX_SPAN is lexed in full, as golex_toks_close gives up on it;
 * the pairs inside it are outlined, and one that closes just within the span is too. */
static void test_outline_long_bodies(void **state)
{
    (void)state;
    const char *head = "package p\nfunc F() {\n";
    const char *line = "\tif x { y = \"}\" }\n";
    size_t cap = strlen(head) + (GOLEX_MAX_SPAN / strlen(line) + 2) * strlen(line) + 64;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int within = 0; within < 2; within++) {
        size_t n = strlen(head);
        memcpy(text, head, n);
        size_t body = within ? GOLEX_MAX_SPAN - 2 * strlen(line) : GOLEX_MAX_SPAN + 1;
        while (n - strlen(head) + strlen(line) <= body) {
            memcpy(text + n, line, strlen(line));
            n += strlen(line);
        }
        memcpy(text + n, "}\nfunc G() {}\n", 14);
        n += 14;
        check_outline(text, n);
        /* The declarations after it are found the same way either way. */
        struct ge_func_decl *d = NULL;
        size_t nd = ge_scan_funcs(text, n, &d);
        assert_true(nd >= 1);
        assert_string_equal(d[nd - 1].name, "G");
        ge_func_decls_free(d, nd);
    }
    free(text);
}

static void test_outline_testmod(void **state)
{
    (void)state;
    static const char *const files[] = {
        "testmod/usegen/usegen.go",     "testmod/main.go",           "testmod/uni/uni.go",
        "testmod/misc/loop.go",         "testmod/misc/misc_test.go", "testmod/misc/ext_test.go",
        "testmod/misc/misc.go",         "testmod/gen/gen.go",        "testmod/ifaces/ifaces.go",
        "testmod/other/other.go",       "testmod/linedir/gen.go",    "testmod/maps/maps.go",
        "testmod/closures/closures.go", "testmod/big/big.go",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len;
        char *text = load(files[i], &len);
        check_outline(text, len);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outline_tricky_bodies),
        cmocka_unit_test(test_outline_long_bodies),
        cmocka_unit_test(test_outline_testmod),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
