/*
 * Classification: which category a fact belongs to and why it reaches the heap. The category
 * comes first from what was allocated (the subject as printed: make(map...), a func literal,
 * new(T), ...); a subject that allocates nothing by itself (x, t.A, 5, f(x)) escapes because
 * of its implicit conversion to an interface. The cause is read from the -m=2 explanation:
 * a forced reason (too large, size not constant) wins, then a closure capture, then an
 * interface conversion, then the step where the path leaves the function (a return, the
 * call that keeps the value, a send, a store to a global). A value converted to an interface
 * that the compiler lays out without allocating is static (static.c).
 */
#include "explain_internal.h"

#include <stdlib.h>
#include <string.h>

#define SUBJ_MAX 4096

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool why_is(const struct ge_flat *e, const char *why)
{
    return e->step != NULL && e->step->why != NULL && strcmp(e->step->why, why) == 0;
}

static void flatten(const struct ge_fact *f, struct ge_why *w)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nedges; i++)
        n += f->edges[i].nsteps ? f->edges[i].nsteps : 1;
    w->flat = n ? ge_xcalloc(n, sizeof(*w->flat)) : NULL;
    w->nflat = 0;
    for (size_t i = 0; i < f->nedges; i++) {
        const struct ge_report_edge *e = &f->edges[i];
        if (e->nsteps == 0)
            w->flat[w->nflat++] = (struct ge_flat){e, NULL};
        for (size_t k = 0; k < e->nsteps; k++)
            w->flat[w->nflat++] = (struct ge_flat){e, &e->steps[k]};
    }
}

/* Copies s without "go.shape." (generic shapes) into buf. */
static void strip_shapes(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    while (*s && n + 1 < cap) {
        if (has_prefix(s, "go.shape.")) {
            s += 9;
            continue;
        }
        buf[n++] = *s++;
    }
    buf[n] = '\0';
}

/* Index of the bracket closing the one at s[i], or the length of s. */
static size_t close_of(const char *s, size_t i)
{
    int depth = 0;
    for (; s[i]; i++) {
        if (s[i] == '(' || s[i] == '[' || s[i] == '{')
            depth++;
        else if ((s[i] == ')' || s[i] == ']' || s[i] == '}') && --depth == 0)
            return i;
    }
    return i;
}

/* Start of the outermost bracket group that ends at the end of s, or 0. */
static size_t last_group(const char *s)
{
    size_t n = strlen(s);
    int depth = 0;
    for (size_t i = n; i-- > 0;) {
        if (s[i] == ')' || s[i] == ']' || s[i] == '}')
            depth++;
        else if ((s[i] == '(' || s[i] == '[' || s[i] == '{') && --depth == 0)
            return i;
    }
    return 0;
}

static enum ge_type_kind named_kind(const struct ge_explain_source *src, const char *name, size_t n)
{
    for (size_t i = 0; src != NULL && i < src->ntypes; i++)
        if (strlen(src->types[i].name) == n && memcmp(src->types[i].name, name, n) == 0)
            return src->types[i].kind;
    return GE_TYPE_UNKNOWN;
}

/* The category of the type written at t (up to n bytes), as an allocation. */
static enum ge_category type_category(const struct ge_explain_source *src, const char *t, size_t n,
                                      int nargs)
{
    if (has_prefix(t, "map["))
        return GE_CAT_MAP;
    if (has_prefix(t, "[]"))
        return GE_CAT_SLICE;
    if (has_prefix(t, "chan") || has_prefix(t, "<-chan"))
        return GE_CAT_OTHER;
    switch (named_kind(src, t, n)) {
    case GE_TYPE_MAP:
        return GE_CAT_MAP;
    case GE_TYPE_SLICE:
        return GE_CAT_SLICE;
    case GE_TYPE_CHAN:
        return GE_CAT_OTHER;
    default:
        /* Unknown named type: make(T) takes one argument only for maps and channels, and
         * named map types are far more common; three arguments mean a slice. */
        return nargs == 1 ? GE_CAT_MAP : nargs == 3 ? GE_CAT_SLICE : GE_CAT_OTHER;
    }
}

static int count_args(const char *s, size_t open)
{
    int depth = 0, n = 1;
    for (size_t i = open; s[i]; i++) {
        if (s[i] == '(' || s[i] == '[' || s[i] == '{')
            depth++;
        else if (s[i] == ')' || s[i] == ']' || s[i] == '}')
            depth--;
        else if (s[i] == ',' && depth == 1)
            n++;
    }
    return n;
}

/* Does s hold a binary operator other than '+' outside brackets and quotes? */
static bool has_non_plus_operator(const char *s)
{
    static const char *const ops[] = {" - ",  " * ",  " / ",  " % ",  " << ", " >> ", " & ",
                                      " | ",  " ^ ",  " == ", " != ", " < ",  " > ",  " <= ",
                                      " >= ", " && ", " || ", " &^ ", NULL};
    int depth = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '"' || s[i] == '`' || s[i] == '\'') {
            char q = s[i];
            for (i++; s[i] && s[i] != q; i++)
                if (s[i] == '\\' && s[i + 1])
                    i++;
            if (!s[i])
                break;
        } else if (s[i] == '(' || s[i] == '[' || s[i] == '{') {
            depth++;
        } else if (s[i] == ')' || s[i] == ']' || s[i] == '}') {
            depth--;
        } else if (depth == 0 && s[i] == ' ') {
            for (int k = 0; ops[k]; k++)
                if (has_prefix(s + i, ops[k]))
                    return true;
        }
    }
    return false;
}

static bool is_method(const struct ge_explain_source *src, const char *name)
{
    for (size_t i = 0; src != NULL && i < src->nmethods; i++)
        if (strcmp(src->methods[i], name) == 0)
            return true;
    return false;
}

/* A selector x.y or a[i].y whose last name is a method of the package: a method value. */
static bool is_method_value(const struct ge_explain_source *src, const char *s)
{
    const char *dot = strrchr(s, '.');
    if (dot == NULL || dot == s || dot[1] == '\0')
        return false;
    for (const char *p = dot + 1; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || (unsigned char)*p >= 0x80))
            return false;
    return is_method(src, dot + 1);
}

/* Does the value go into the implicit slice of a variadic call? Then it is an element of a
 * "...any" (a fmt argument): converted to an interface, not a method value. */
static bool into_variadic(const struct ge_why *w)
{
    for (size_t i = 0; i < w->nflat; i++)
        if (why_is(&w->flat[i], "slice-literal-element") && w->flat[i].step->what != NULL &&
            strcmp(w->flat[i].step->what, "... argument") == 0)
            return true;
    return false;
}

static enum ge_category escape_category(const char *subject, const struct ge_explain_source *src,
                                        const struct ge_why *w)
{
    char s[SUBJ_MAX];
    strip_shapes(subject, s, sizeof(s));
    size_t n = strlen(s);
    if (strcmp(s, "func literal") == 0)
        return GE_CAT_CLOSURE;
    if (strcmp(s, "... argument") == 0 || strcmp(s, "append") == 0 || has_prefix(s, "append("))
        return GE_CAT_SLICE;
    if (has_prefix(s, "new(") || s[0] == '&')
        return GE_CAT_POINTER;
    if (has_prefix(s, "make(")) {
        size_t end = 5;
        while (s[end] && s[end] != ',' && s[end] != ')')
            end = s[end] == '[' || s[end] == '(' || s[end] == '{' ? close_of(s, end) + 1 : end + 1;
        return type_category(src, s + 5, end - 5, count_args(s, 4));
    }
    if (n > 0 && s[n - 1] == '}') {
        size_t open = last_group(s);
        if (has_prefix(s, "map[") || has_prefix(s, "[]"))
            return has_prefix(s, "map[") ? GE_CAT_MAP : GE_CAT_SLICE;
        enum ge_type_kind k = named_kind(src, s, open);
        if (k == GE_TYPE_MAP || k == GE_TYPE_SLICE)
            return k == GE_TYPE_MAP ? GE_CAT_MAP : GE_CAT_SLICE;
        return GE_CAT_INTERFACE; /* a struct or array value boxed in an interface */
    }
    if (has_prefix(s, "string(") || has_prefix(s, "([]byte)(") || has_prefix(s, "[]byte(") ||
        has_prefix(s, "([]rune)(") || has_prefix(s, "[]rune("))
        return GE_CAT_STRING;
    if (strstr(s, " + ") != NULL && !has_non_plus_operator(s))
        return GE_CAT_STRING;
    if (is_method_value(src, s) && !into_variadic(w))
        return GE_CAT_CLOSURE;
    return GE_CAT_INTERFACE;
}

bool ge__src_offset(const struct ge_explain_source *src, uint32_t line, uint32_t col, size_t *off)
{
    if (src == NULL || src->text == NULL || line == 0)
        return false;
    size_t start = 0;
    if (src->line_starts != NULL) {
        if (line > src->nlines)
            return false;
        start = src->line_starts[line - 1];
    } else {
        for (uint32_t l = 1; l < line; l++) {
            const char *nl = memchr(src->text + start, '\n', src->len - start);
            if (nl == NULL)
                return false;
            start = (size_t)(nl - src->text) + 1;
        }
    }
    size_t o = start + (col ? col - 1 : 0);
    if (o >= src->len)
        return false;
    *off = o;
    return true;
}

/* Qualifier ("fmt" of "fmt.Println") and last name of a callee, as views into s. */
static void split_callee(const char *s, size_t n, size_t *qual, const char **last)
{
    const char *dot = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.')
            dot = s + i;
    *qual = dot ? (size_t)(dot - s) : 0;
    *last = dot ? dot + 1 : s;
}

/* Should the callee written in the source replace the printed one? Yes when they share the
 * package or the name: the user's fmt.Println for the inlined fmt.Fprintln, wg.Add for
 * (*sync.WaitGroup).Add. No when the position is an unrelated outer call of inlined code. */
static bool same_callee(const char *src, size_t sn, const char *printed, size_t pn)
{
    size_t sq, pq;
    const char *sl, *pl;
    split_callee(src, sn, &sq, &sl);
    split_callee(printed, pn, &pq, &pl);
    size_t sln = sn - (size_t)(sl - src), pln = pn - (size_t)(pl - printed);
    return (sq > 0 && sq == pq && memcmp(src, printed, sq) == 0) ||
           (sln == pln && memcmp(sl, pl, sln) == 0);
}

/* The callee of a call step: as written at the step's position when the source is there and
 * agrees with the printed call, else the printed call's callee. */
static char *callee_of(const struct ge_fact *f, const struct ge_explain_source *src,
                       const struct ge_report_step *st)
{
    const char *w = st->what ? st->what : "";
    size_t n = strlen(w);
    size_t open = n > 0 && w[n - 1] == ')' ? last_group(w) : 0;
    size_t off;
    if (st->file != NULL && f->file != NULL && strcmp(st->file, f->file) == 0 &&
        ge__src_offset(src, st->line, st->col, &off)) {
        struct ge_span sp = ge_scan_callee(src->text, src->len, off);
        const char *cs = src->text + sp.start;
        size_t cn = sp.end - sp.start;
        if (cn > 0 && (open == 0 || same_callee(cs, cn, w, open)))
            return ge_xstrndup(cs, cn);
    }
    /* A printed callee with a compiler name in it, or cut inside a string, names nothing the
     * reader can find: the cause then says "argument" alone. */
    char *printed = open > 0 ? ge_xstrndup(w, open) : NULL;
    if (printed != NULL && (ge__has_compiler_name(printed) || strchr(printed, '"') != NULL)) {
        free(printed);
        printed = NULL;
    }
    return printed;
}

/* What an assignment to the heap stores into: a global, a map or slice element, or memory
 * behind a pointer. Fills w->place with the left-hand side. */
static enum ge_cause store_kind(const char *what, struct ge_why *w)
{
    const char *eq = strstr(what, " = ");
    if (eq == NULL)
        return GE_CAUSE_HEAP;
    size_t n = (size_t)(eq - what);
    free(w->place);
    w->place = ge_xstrndup(what, n);
    if (n > 0 && what[n - 1] == ']')
        return GE_CAUSE_MAP_STORE;
    if (what[0] == '*' || memchr(what, '.', n) != NULL || memchr(what, '(', n) != NULL)
        return GE_CAUSE_POINTER_STORE;
    if (memchr(what, ',', n) != NULL)
        return GE_CAUSE_HEAP;
    return GE_CAUSE_GLOBAL;
}

static bool dst_is_heap(const struct ge_flat *e)
{
    return strcmp(e->edge->dst, "{heap}") == 0;
}

/* Go statement or defer for a func literal at the fact's position. */
static enum ge_cause go_or_defer(const struct ge_fact *f, const struct ge_explain_source *src)
{
    size_t off;
    if (ge__src_offset(src, f->line, f->col, &off)) {
        const char *kw = ge_scan_stmt_keyword(src->text, src->len, off);
        if (kw != NULL && strcmp(kw, "defer") == 0)
            return GE_CAUSE_DEFER;
    }
    return GE_CAUSE_GOROUTINE;
}

/* The step where the path leaves the function: searched from the end. */
static enum ge_cause terminal(const struct ge_fact *f, const struct ge_explain_source *src,
                              struct ge_why *w)
{
    for (long i = (long)w->nflat - 1; i >= 0; i--) {
        const struct ge_flat *e = &w->flat[i];
        enum ge_cause c = GE_CAUSE_UNKNOWN;
        if (why_is(e, "return")) {
            c = GE_CAUSE_RETURNED;
        } else if (why_is(e, "send")) {
            c = GE_CAUSE_SENT;
        } else if (why_is(e, "call parameter") && dst_is_heap(e)) {
            char *callee = callee_of(f, src, e->step);
            free(w->callee);
            w->callee = callee != NULL ? ge__humanize(callee) : NULL;
            free(callee);
            bool app = w->callee != NULL && strcmp(w->callee, "append") == 0;
            c = app ? GE_CAUSE_APPENDED : GE_CAUSE_CALL_ARG;
        } else if ((why_is(e, "assign") || why_is(e, "assign-pair")) && dst_is_heap(e)) {
            c = store_kind(e->step->what ? e->step->what : "", w);
        } else if ((why_is(e, "key of map put") || why_is(e, "map literal key") ||
                    why_is(e, "map literal value")) &&
                   dst_is_heap(e)) {
            c = GE_CAUSE_MAP_STORE;
        }
        if (c != GE_CAUSE_UNKNOWN && c != GE_CAUSE_HEAP) {
            w->decisive = i;
            return c;
        }
    }
    if (w->nflat == 0)
        return GE_CAUSE_UNKNOWN;
    w->decisive = (long)w->nflat - 1;
    const char *dst = w->flat[w->nflat - 1].edge->dst;
    if (has_prefix(dst, "~r"))
        return GE_CAUSE_RETURNED;
    if (strcmp(f->subject, "func literal") == 0 && strcmp(dst, "{heap}") == 0)
        return go_or_defer(f, src);
    if (strcmp(dst, "{heap}") != 0 && strcmp(dst, "{temp}") != 0) {
        free(w->place);
        w->place = ge_xstrdup(dst);
    }
    return GE_CAUSE_HEAP;
}

static long find_why(const struct ge_why *w, const char *why)
{
    for (size_t i = 0; i < w->nflat; i++)
        if (why_is(&w->flat[i], why))
            return (long)i;
    return -1;
}

/* A reason that forces the heap whatever the flow: size or alignment. */
static enum ge_cause forced(struct ge_why *w)
{
    static const struct {
        const char *why;
        enum ge_cause cause;
    } reasons[] = {
        {"too large for stack", GE_CAUSE_TOO_LARGE},
        {"too aligned for stack", GE_CAUSE_TOO_ALIGNED},
        {"non-constant size", GE_CAUSE_NONCONST_SIZE},
        {"zero-sized element", GE_CAUSE_ZERO_SIZED},
    };
    for (size_t k = 0; k < GE_ARRAY_SIZE(reasons); k++) {
        long i = find_why(w, reasons[k].why);
        if (i >= 0) {
            w->decisive = i;
            return reasons[k].cause;
        }
    }
    return GE_CAUSE_UNKNOWN;
}

/* A closure capture; a capture of a compiler temporary is the wrapper of a go or defer
 * statement ("go f(x)" becomes "go func() { f(tmp) }()"). */
static enum ge_cause captured(const struct ge_fact *f, const struct ge_explain_source *src,
                              struct ge_why *w)
{
    long i = find_why(w, "captured by a closure");
    if (i < 0)
        return GE_CAUSE_UNKNOWN;
    w->decisive = i;
    const char *what = w->flat[i].step->what;
    if (what != NULL && has_prefix(what, ".autotmp"))
        return go_or_defer(f, src);
    return GE_CAUSE_CAPTURED;
}

static enum ge_cause escape_cause(const struct ge_fact *f, const struct ge_explain_source *src,
                                  struct ge_why *w)
{
    enum ge_cause c = forced(w);
    if (c == GE_CAUSE_UNKNOWN)
        c = captured(f, src, w);
    if (c != GE_CAUSE_UNKNOWN)
        return c;
    long conv = find_why(w, "interface-converted");
    enum ge_cause t = terminal(f, src, w);
    if (conv < 0 && w->category != GE_CAT_INTERFACE)
        return t;
    w->via = t;
    if (t == GE_CAUSE_HEAP || t == GE_CAUSE_UNKNOWN)
        w->decisive = conv >= 0 ? conv : w->decisive;
    return GE_CAUSE_INTERFACE;
}

void ge__classify(const struct ge_fact *f, const struct ge_explain_source *src, struct ge_why *out)
{
    *out = (struct ge_why){.decisive = -1, .via = GE_CAUSE_UNKNOWN, .src = src, .fact = f};
    const char *func = f->func != NULL ? f->func : src != NULL ? src->func : NULL;
    out->func = func != NULL ? ge__humanize(func) : NULL;
    flatten(f, out);
    switch (f->kind) {
    case GE_FACT_NOESCAPE:
        out->category = GE_CAT_NOESCAPE;
        out->cause = GE_CAUSE_NONE;
        return;
    case GE_FACT_PARAM:
        out->category = GE_CAT_PARAM;
        if (has_prefix(f->param_detail, "to result")) {
            out->cause = GE_CAUSE_RESULT;
            return;
        }
        break;
    case GE_FACT_MOVED:
        out->category = GE_CAT_MOVED;
        break;
    case GE_FACT_ESCAPE:
        out->category = escape_category(f->subject, src, out);
        if (out->category == GE_CAT_INTERFACE) {
            enum ge_cause sc = ge__static_cause(f, src);
            if (sc != GE_CAUSE_UNKNOWN) {
                out->category = GE_CAT_STATIC;
                out->cause = sc;
                ge__inlined_origin(f, src, out); /* for the words only */
                return;
            }
        }
        break;
    }
    out->cause = escape_cause(f, src, out);
    if (f->kind == GE_FACT_MOVED && out->cause == GE_CAUSE_CAPTURED)
        out->category = GE_CAT_CLOSURE;
    /* What an inlined body allocates at a call is the user's value only when the call
     * evaluates to it; a field of the result, a buffer or a panic message is not. */
    if (f->kind != GE_FACT_PARAM) {
        ge__inlined_origin(f, src, out);
        if (out->inlined_call != NULL && !ge__becomes_result(out))
            out->category = GE_CAT_INLINED;
    }
    if (f->kind == GE_FACT_PARAM && out->cause == GE_CAUSE_UNKNOWN && f->nedges > 0)
        out->cause = GE_CAUSE_HEAP;
}

void ge__why_free(struct ge_why *w)
{
    free(w->flat);
    free(w->callee);
    free(w->place);
    free(w->func);
    free(w->inlined_call);
    free(w->call_text);
    *w = (struct ge_why){.decisive = -1};
}
