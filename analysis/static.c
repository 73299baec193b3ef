/*
 * Escapes that allocate nothing. Escape analysis reports every value that reaches the heap
 * through an interface, but the compiler's back end gives some of them an address without
 * allocating (cmd/compile/internal/walk, dataWord and order's addrTemp):
 *   - a constant ("label:", 401, Status(200)) and a composite literal of constants
 *     (Pair{1, "a"}, Pair{}) are laid out once in read-only data;
 *   - a zero-size value (struct{}{}, context.backgroundCtx{}) points at one shared address;
 *   - a bool or a single byte (a == b, !ok, byte(i)) points into a static table of the 256
 *     byte values;
 *   - a static temporary (pkg..stmp_3) is data already.
 * testing.AllocsPerRun measures 0 for each of them; tests/lsp/fixtures/static checks that
 * against the toolchain. Only forms that are certain from the printed subject, the package's
 * declarations and the source text are accepted: a variable converted to an interface
 * allocates (a string, an int of 256 or more, a struct with a variable field), and so does a
 * call, which looks like a conversion when printed.
 */
#include "explain_internal.h"
#include "golex.h"
#include "scan_internal.h"

#include <string.h>

/* Types whose conversion of a constant is certainly a conversion, not a call. */
static const char *const basic_types[] = {
    "bool", "string",  "int",     "int8",      "int16",      "int32",   "int64",
    "uint", "uint8",   "uint16",  "uint32",    "uint64",     "uintptr", "byte",
    "rune", "float32", "float64", "complex64", "complex128",
};

/* Types of one byte, whose values come from the static table whatever they are. */
static const char *const byte_types[] = {"bool", "byte", "uint8", "int8"};

/* Zero-size types that the standard library's inlined functions convert to interfaces:
 * context.Background and context.TODO return them. */
static const char *const zero_size_values[] = {"context.backgroundCtx{}", "context.todoCtx{}",
                                               "struct {}{}"};

static bool in_list(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
            return true;
    return false;
}

static enum ge_type_kind decl_kind(const struct ge_explain_source *src, const char *s, size_t n)
{
    for (size_t i = 0; src != NULL && i < src->ntypes; i++)
        if (strlen(src->types[i].name) == n && memcmp(src->types[i].name, s, n) == 0)
            return src->types[i].kind;
    return GE_TYPE_UNKNOWN;
}

/* The tokens of one short text, all lexed. */
struct toks {
    const char *text;
    struct golex_toks ts;
    size_t n;
};

static void toks_init(struct toks *t, const char *text, size_t len)
{
    t->text = text;
    golex_toks_init(&t->ts, text, len, 0);
    t->n = 0;
    while (golex_toks_need(&t->ts, t->n) && t->ts.v[t->n].kind != T_EOF)
        t->n++;
}

static bool op_is(struct toks *t, size_t i, const char *op)
{
    return i < t->n && golex_is(t->text, &t->ts.v[i], op);
}

static bool kind_is(struct toks *t, size_t i, enum golex_kind k)
{
    return i < t->n && t->ts.v[i].kind == k;
}

/* Index of the bracket closing the one at i, or t->n. */
static size_t close_at(struct toks *t, size_t i)
{
    long c = golex_toks_close(&t->ts, i);
    return c < 0 || (size_t)c >= t->n ? t->n : (size_t)c;
}

/* A type name at i: T or pkg.T. Returns the index after it, or i. */
static size_t type_name(struct toks *t, size_t i)
{
    if (!kind_is(t, i, T_IDENT))
        return i;
    if (op_is(t, i + 1, ".") && kind_is(t, i + 2, T_IDENT))
        return i + 3;
    return i + 1;
}

/* Is [i, end) one literal, with an optional sign: 401, -5, "label:", 'x', true? A string
 * the compiler shortened ("abc... with no closing quote) is one token to the end. */
static bool literal(struct toks *t, size_t i, size_t end)
{
    if (op_is(t, i, "-") || op_is(t, i, "+"))
        i++;
    if (i + 1 != end)
        return false;
    const struct golex_tok *k = &t->ts.v[i];
    return k->kind == T_NUMBER || k->kind == T_STRING || k->kind == T_RUNE ||
           golex_is(t->text, k, "true") || golex_is(t->text, k, "false");
}

/* Is [i, end) a constant as the compiler prints one: a literal, or a conversion of one to a
 * type, T(literal)? A call prints the same way, so T must be a basic type or a type the
 * package declares, unless the source shows no call where the compiler reports the value
 * (a named constant such as time.Second is printed as time.Duration(1000000000)). */
static bool printed_constant(struct toks *t, size_t i, size_t end,
                             const struct ge_explain_source *src, bool source_is_name)
{
    if (literal(t, i, end))
        return true;
    size_t after = type_name(t, i);
    if (after == i || !op_is(t, after, "(") || close_at(t, after) != end - 1)
        return false;
    const char *name = t->text + t->ts.v[i].start;
    size_t len = t->ts.v[after - 1].end - t->ts.v[i].start;
    bool is_type = in_list(basic_types, GE_ARRAY_SIZE(basic_types), name, len) ||
                   decl_kind(src, name, len) != GE_TYPE_UNKNOWN || source_is_name;
    return is_type && printed_constant(t, after + 1, end - 1, src, source_is_name);
}

/* Is the whole of t a bool or a single byte: a comparison, a logical expression, !x, or a
 * conversion to a one-byte type? */
static bool small_value(struct toks *t)
{
    static const char *const bool_ops[] = {"==", "!=", "<", "<=", ">", ">=", "&&", "||"};
    if (op_is(t, 0, "!"))
        return true;
    int depth = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct golex_tok *k = &t->ts.v[i];
        if (op_is(t, i, "(") || op_is(t, i, "[") || op_is(t, i, "{"))
            depth++;
        else if (op_is(t, i, ")") || op_is(t, i, "]") || op_is(t, i, "}"))
            depth--;
        else if (depth == 0 && i > 0 && k->kind == T_OP)
            for (size_t o = 0; o < GE_ARRAY_SIZE(bool_ops); o++)
                if (golex_is(t->text, k, bool_ops[o]))
                    return true;
    }
    if (!kind_is(t, 0, T_IDENT) || !op_is(t, 1, "(") || close_at(t, 1) != t->n - 1)
        return false;
    return in_list(byte_types, GE_ARRAY_SIZE(byte_types), t->text + t->ts.v[0].start,
                   t->ts.v[0].end - t->ts.v[0].start);
}

/* Does the type written at [i, brace) make a literal that can be read-only data: a struct or
 * array type, not a slice or a map (whose literals allocate their storage)? */
static bool static_type(struct toks *t, size_t i, size_t brace, const struct ge_explain_source *src)
{
    if (op_is(t, i, "[")) /* [N]T: an array; [] and [...] are rejected below */
        return !op_is(t, i + 1, "]") && !op_is(t, i + 1, "...");
    if (kind_is(t, i, T_IDENT) && golex_is(t->text, &t->ts.v[i], "struct"))
        return true;
    if (type_name(t, i) != brace || brace != i + 1)
        return false; /* another package's type: a struct or a map, the text cannot tell */
    enum ge_type_kind k =
        decl_kind(src, t->text + t->ts.v[i].start, t->ts.v[i].end - t->ts.v[i].start);
    return k == GE_TYPE_STRUCT || k == GE_TYPE_ARRAY;
}

/* Is the composite literal whose body opens at token brace made of constants only: literals,
 * nil, field names or constant keys, and nested literals of struct and array types? */
static bool constant_body(struct toks *t, size_t brace, const struct ge_explain_source *src)
{
    size_t close = close_at(t, brace);
    if (close == t->n)
        return false;
    for (size_t i = brace + 1; i < close; i++) {
        const struct golex_tok *k = &t->ts.v[i];
        if (k->kind == T_NUMBER || k->kind == T_STRING || k->kind == T_RUNE || op_is(t, i, ",") ||
            op_is(t, i, ":") || op_is(t, i, "-"))
            continue;
        if (k->kind == T_IDENT && op_is(t, i + 1, ":") && !op_is(t, i - 1, ":"))
            continue; /* a field name */
        if (golex_is(t->text, k, "true") || golex_is(t->text, k, "false") ||
            golex_is(t->text, k, "nil"))
            continue;
        if (op_is(t, i, "{") &&
            (op_is(t, i - 1, ",") || op_is(t, i - 1, "{") || op_is(t, i - 1, ":"))) {
            /* An elided type: an element of the outer literal's element type, which the
             * text does not show. Only arrays of arrays and structs could be checked. */
            return false;
        }
        size_t start = i;
        while (i < close && !op_is(t, i, "{") && !op_is(t, i, ",") && !op_is(t, i, "}"))
            i++;
        if (!op_is(t, i, "{") || !static_type(t, start, i, src) || !constant_body(t, i, src))
            return false;
        i = close_at(t, i);
    }
    return true;
}

/* Is the source text of the span a composite literal of constants, T{...} for a struct or
 * array type T? */
static bool constant_literal(const struct ge_explain_source *src)
{
    struct toks t;
    toks_init(&t, src->text + src->span.start, src->span.end - src->span.start);
    size_t brace = 0;
    while (brace < t.n && !op_is(&t, brace, "{"))
        brace++;
    bool ok = brace > 0 && brace < t.n && close_at(&t, brace) == t.n - 1 &&
              static_type(&t, 0, brace, src) && constant_body(&t, brace, src);
    golex_toks_free(&t.ts);
    return ok;
}

/* Is the source at the span a name or a selector (a named constant), with no call? */
static bool source_is_name(const struct ge_explain_source *src)
{
    if (src == NULL || src->text == NULL || src->span.end <= src->span.start)
        return false;
    for (size_t i = src->span.start; i < src->span.end; i++)
        if (!golex_ident_byte((unsigned char)src->text[i]) && src->text[i] != '.')
            return false;
    return true;
}

static bool placed_expr(const struct ge_explain_source *src)
{
    return src != NULL && src->text != NULL && src->span.end > src->span.start &&
           src->span.end <= src->len && src->fit == GE_FIT_EXPR;
}

enum ge_cause ge__static_cause(const struct ge_fact *f, const struct ge_explain_source *src)
{
    if (f->kind != GE_FACT_ESCAPE || f->subject == NULL)
        return GE_CAUSE_UNKNOWN;
    size_t n = strlen(f->subject);
    if (in_list(zero_size_values, GE_ARRAY_SIZE(zero_size_values), f->subject, n))
        return GE_CAUSE_ZERO_SIZE;
    if (strstr(f->subject, "..stmp_") != NULL && strchr(f->subject, ' ') == NULL)
        return GE_CAUSE_STATIC_DATA;
    struct toks t;
    toks_init(&t, f->subject, n);
    enum ge_cause c = GE_CAUSE_UNKNOWN;
    if (t.n > 0 && printed_constant(&t, 0, t.n, src, source_is_name(src)))
        c = GE_CAUSE_CONSTANT;
    else if (t.n > 0 && small_value(&t))
        c = GE_CAUSE_SMALL_VALUE;
    else if (t.n > 2 && op_is(&t, t.n - 1, "}") && placed_expr(src)) {
        size_t brace = 0;
        while (brace < t.n && !op_is(&t, brace, "{"))
            brace++;
        /* T{} is printed as written; T{...} is checked in the source. */
        bool empty = brace + 2 == t.n && static_type(&t, 0, brace, src);
        if (empty || constant_literal(src))
            c = GE_CAUSE_CONSTANT;
    }
    golex_toks_free(&t.ts);
    return c;
}
