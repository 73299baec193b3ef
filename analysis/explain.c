/*
 * The words of a finding: its readable subject, cause, message, inlay label and flow steps.
 * Compiler names never reach the user as printed: where the source is at hand, a call printed
 * with an inlined result or a temporary in it is shown as written, and an inlined call that
 * hands its result on is named ("returned by the inlined call to strings.NewReplacer");
 * elsewhere humanize.c gives words for them. Each flow step becomes one sentence with its
 * position, and escape_step points at the one where the value leaves.
 */
#include "explain_internal.h"
#include "goescape/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Cap on any one generated string; compiler subjects are short, this only bounds garbage. */
#define TEXT_MAX (64u * 1024u)

static const char *const category_names[GE_CAT_COUNT] = {
    [GE_CAT_MAP] = "map",           [GE_CAT_CLOSURE] = "closure", [GE_CAT_INTERFACE] = "interface",
    [GE_CAT_SLICE] = "slice",       [GE_CAT_POINTER] = "pointer", [GE_CAT_STRING] = "string",
    [GE_CAT_MOVED] = "moved",       [GE_CAT_OTHER] = "other",     [GE_CAT_PARAM] = "param",
    [GE_CAT_NOESCAPE] = "noescape", [GE_CAT_STATIC] = "static",   [GE_CAT_INLINED] = "inlined",
};

static const char *const cause_names[GE_CAUSE_COUNT] = {
    [GE_CAUSE_UNKNOWN] = "unknown",
    [GE_CAUSE_RETURNED] = "returned",
    [GE_CAUSE_CAPTURED] = "captured",
    [GE_CAUSE_INTERFACE] = "interface",
    [GE_CAUSE_TOO_LARGE] = "too-large",
    [GE_CAUSE_TOO_ALIGNED] = "too-aligned",
    [GE_CAUSE_NONCONST_SIZE] = "non-constant-size",
    [GE_CAUSE_ZERO_SIZED] = "zero-sized",
    [GE_CAUSE_CALL_ARG] = "call-argument",
    [GE_CAUSE_APPENDED] = "appended",
    [GE_CAUSE_SENT] = "sent",
    [GE_CAUSE_MAP_STORE] = "map-store",
    [GE_CAUSE_GLOBAL] = "global",
    [GE_CAUSE_POINTER_STORE] = "pointer-store",
    [GE_CAUSE_GOROUTINE] = "goroutine",
    [GE_CAUSE_DEFER] = "defer",
    [GE_CAUSE_HEAP] = "heap",
    [GE_CAUSE_RESULT] = "result",
    [GE_CAUSE_NONE] = "none",
    [GE_CAUSE_CONSTANT] = "constant",
    [GE_CAUSE_ZERO_SIZE] = "zero-size",
    [GE_CAUSE_SMALL_VALUE] = "small-value",
    [GE_CAUSE_STATIC_DATA] = "static-data",
};

/* Inlay labels: at most 16 bytes, "heap: <why>" for every heap escape. */
static const char *const cause_labels[GE_CAUSE_COUNT] = {
    [GE_CAUSE_UNKNOWN] = "heap",
    [GE_CAUSE_RETURNED] = "heap: returned",
    [GE_CAUSE_CAPTURED] = "heap: captured",
    [GE_CAUSE_INTERFACE] = "heap: interface",
    [GE_CAUSE_TOO_LARGE] = "heap: too large",
    [GE_CAUSE_TOO_ALIGNED] = "heap: aligned",
    [GE_CAUSE_NONCONST_SIZE] = "heap: var size",
    [GE_CAUSE_ZERO_SIZED] = "heap: zero-size",
    [GE_CAUSE_CALL_ARG] = "heap: via arg",
    [GE_CAUSE_APPENDED] = "heap: appended",
    [GE_CAUSE_SENT] = "heap: sent",
    [GE_CAUSE_MAP_STORE] = "heap: stored",
    [GE_CAUSE_GLOBAL] = "heap: global",
    [GE_CAUSE_POINTER_STORE] = "heap: via ptr",
    [GE_CAUSE_GOROUTINE] = "heap: goroutine",
    [GE_CAUSE_DEFER] = "heap: deferred",
    [GE_CAUSE_HEAP] = "heap",
    [GE_CAUSE_RESULT] = "leak: result",
    [GE_CAUSE_NONE] = "stack",
    [GE_CAUSE_CONSTANT] = "static",
    [GE_CAUSE_ZERO_SIZE] = "static",
    [GE_CAUSE_SMALL_VALUE] = "static",
    [GE_CAUSE_STATIC_DATA] = "static",
};

const char *ge_category_name(enum ge_category c)
{
    return (unsigned)c < GE_CAT_COUNT ? category_names[c] : "other";
}

int ge_category_parse(const char *name, enum ge_category *out)
{
    for (int i = 0; i < GE_CAT_COUNT; i++) {
        if (name != NULL && strcmp(name, category_names[i]) == 0) {
            *out = (enum ge_category)i;
            return 0;
        }
    }
    return -EINVAL;
}

bool ge_category_is_heap(enum ge_category c)
{
    return (unsigned)c < GE_CAT_PARAM;
}

const char *ge_cause_name(enum ge_cause c)
{
    return (unsigned)c < GE_CAUSE_COUNT ? cause_names[c] : "unknown";
}

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool ident_byte(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (unsigned char)c >= 0x80;
}

/* Is s one compiler name and nothing else ("~r0")? Such a name may also stand for another
 * value in the same explanation (the function's own result), so only a step that is exactly
 * the subject shows the written one. */
static bool lone_name(const char *s)
{
    size_t i = has_prefix(s, ".autotmp_") ? 9 : s[0] == '~' && s[1] != '\0' ? 2 : 0;
    if (i == 0 || s[i] == '\0')
        return false;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    return s[i] == '\0';
}

/* Readable text for s, with the subject as written wherever s repeats the printed subject as a
 * whole word sequence. */
static char *readable(const struct ge_why *w, const char *s)
{
    s = s != NULL ? s : "";
    const char *p = w->printed;
    if (w->written == NULL || p == NULL || *p == '\0')
        return ge__humanize(s);
    if (lone_name(p))
        return strcmp(s, p) == 0 ? ge_xstrdup(w->written) : ge__humanize(s);
    struct ge_buf b;
    ge_buf_init(&b, TEXT_MAX);
    size_t pn = strlen(p);
    const char *at;
    while ((at = strstr(s, p)) != NULL) {
        bool word = (at == s || !ident_byte(at[-1]) || !ident_byte(p[0])) &&
                    (!ident_byte(at[pn]) || !ident_byte(p[pn - 1]));
        ge__humanize_into(&b, s, (size_t)(at - s) + (word ? 0 : pn));
        if (word)
            ge_buf_appends(&b, w->written);
        s = at + pn;
    }
    ge__humanize_into(&b, s, strlen(s));
    char *out = ge_buf_steal(&b, NULL);
    return out != NULL ? out : ge_xstrdup("");
}

static char *replace_results(const char *s, const char *call, bool params);

/* A location of an edge, readable: an inlined call's result is the call the fact sits in. */
static char *edge_part(const struct ge_why *w, const char *s)
{
    if (w->call_text == NULL && ge__is_result_name(s, strlen(s)))
        return ge_xstrdup("a call's result");
    if (w->call_text == NULL || !ge__has_compiler_name(s))
        return readable(w, s);
    char *r = replace_results(s, w->call_text, false);
    char *h = readable(w, r);
    free(r);
    return h;
}

/* The source of an edge without its & and * prefixes, readable. */
static char *edge_src(const struct ge_report_edge *e, const struct ge_why *w)
{
    const char *s = e->src ? e->src : "";
    while (*s == '&' || *s == '*')
        s++;
    return edge_part(w, s);
}

/* "the function" when the name is unknown. */
static const char *func_or(const struct ge_why *w)
{
    return w->func != NULL ? w->func : "the function";
}

/* Sentences for reasons that need nothing but WHAT ("%s"), matched by prefix. */
static const struct {
    const char *why;
    const char *format;
} simple_steps[] = {
    {"spill", "%s is allocated"},
    {"interface-converted", "%s is converted to an interface"},
    {"captured by a closure", "%s is captured by a closure"},
    {"address-of", "its address is taken: %s"},
    {"indirection", "dereferenced: %s"},
    {"dot", "read through %s"}, /* also "dot of pointer" */
    {"struct literal element", "stored in the literal %s"},
    {"array literal element", "stored in the literal %s"},
    {"map literal", "stored in a map: %s"},
    {"key of map put", "stored in a map: %s"},
    {"send", "sent on a channel: %s"},
    {"too large for stack", "%s is too large for the stack"},
    {"too aligned for stack", "%s is too strictly aligned for the stack"},
    {"non-constant size", "the size of %s is not a constant"},
    {"zero-sized element", "%s makes a slice of zero-sized elements"},
    {"append", "copied by %s"}, /* "appendee slice", "appended slice..." */
    {"copied slice", "copied by %s"},
};

/* Sentences whose words depend on the edge or on the step before. */
static char *edge_step_sentence(const struct ge_flat *e, const struct ge_why *w, const char *what,
                                const char *prev_why)
{
    const char *why = e->step->why ? e->step->why : "";
    bool to_heap = strcmp(e->edge->dst, "{heap}") == 0;
    if (has_prefix(why, "assign") && to_heap)
        return ge_xasprintf("stored where the compiler cannot follow it: %s", what);
    if (has_prefix(why, "assign")) {
        char *dst = edge_part(w, e->edge->dst);
        char *m = ge_xasprintf("assigned to %s: %s", dst, what);
        free(dst);
        return m;
    }
    if (strcmp(why, "return") == 0)
        return ge_xasprintf("returned from %s: %s", func_or(w), what);
    if (strcmp(why, "call parameter") == 0)
        return ge_xasprintf(to_heap ? "passed to %s, which lets it reach the heap" : "passed to %s",
                            what);
    if (strcmp(why, "reference") == 0) /* repeats the capture just before it */
        return strcmp(prev_why, "captured by a closure") == 0
                   ? NULL
                   : ge_xasprintf("the closure refers to %s", what);
    if (strcmp(why, "slice-literal-element") == 0)
        return strcmp(e->step->what ? e->step->what : "", "... argument") == 0
                   ? ge_xstrdup("packed into the arguments of a variadic call")
                   : ge_xasprintf("stored in the slice literal %s", what);
    return ge_xasprintf("%s (%s)", what, why);
}

/* Is the step in the fact's own file, whose text the explainer has? */
static bool step_in_source(const struct ge_why *w, const struct ge_report_step *st)
{
    return w->src != NULL && w->src->text != NULL && st->file != NULL && w->fact->file != NULL &&
           strcmp(st->file, w->fact->file) == 0;
}

/* Copies s with each lone result name (~r0, ~R1), and with params each unnamed parameter's
 * (~p0), replaced by call. New. */
static char *replace_results(const char *s, const char *call, bool params)
{
    struct ge_buf b;
    ge_buf_init(&b, TEXT_MAX);
    for (size_t i = 0; s[i];) {
        bool at_word = i == 0 || !ident_byte(s[i - 1]);
        if (at_word && s[i] == '~' &&
            (s[i + 1] == 'r' || s[i + 1] == 'R' || (params && s[i + 1] == 'p')) &&
            s[i + 2] >= '0' && s[i + 2] <= '9') {
            i += 2;
            while (s[i] >= '0' && s[i] <= '9')
                i++;
            ge_buf_appends(&b, call);
            continue;
        }
        ge_buf_append(&b, s + i, 1);
        i++;
    }
    char *out = ge_buf_steal(&b, NULL);
    return out != NULL ? out : ge_xstrdup("");
}

/* The step's expression without compiler names where the source can stand in: a call printed
 * with an inlined result or a temporary in it (assert.Equal(t, "x", ~r0), .autotmp_5.Done())
 * is the call written at the step's position; elsewhere an inlined call's result is the call
 * the fact sits in. Readable text, new. */
static char *step_what(const struct ge_why *w, const struct ge_report_step *st)
{
    const char *what = st->what ? st->what : "";
    if (!ge__has_compiler_name(what) || (w->written != NULL && strcmp(what, w->printed) == 0))
        return readable(w, what);
    size_t n = strlen(what);
    if (step_in_source(w, st) && n > 0 && what[n - 1] == ')') {
        char *call = ge__source_call_new(w->src, st->line, st->col, NULL);
        if (call != NULL)
            return call;
    }
    /* With no call to stand in and no written text for the printed expression, an inlined
     * call's result is an ellipsis, as in the subject. */
    const char *call = w->call_text;
    bool rewritten =
        w->written != NULL && w->printed != NULL && *w->printed != '\0' &&
        (lone_name(w->printed) ? strcmp(what, w->printed) == 0 : strstr(what, w->printed) != NULL);
    if (call == NULL && !rewritten && w->src != NULL && w->src->text != NULL)
        call = "\xe2\x80\xa6";
    if (call == NULL)
        return readable(w, what);
    char *s = replace_results(what, call, call != w->call_text);
    char *r = readable(w, s);
    free(s);
    return r;
}

/* "returned by the inlined call to F" for "~r0 = x": the inlined call hands its result on. */
static char *result_sentence(const struct ge_why *w, const struct ge_report_step *st)
{
    char *callee = NULL;
    if (step_in_source(w, st))
        free(ge__source_call_new(w->src, st->line, st->col, &callee));
    const char *name = callee != NULL ? callee : w->inlined_call;
    char *m = name != NULL ? ge_xasprintf("returned by the inlined call to %s", name)
                           : ge_xstrdup("returned by an inlined call");
    free(callee);
    return m;
}

/* One sentence for a "from WHAT (WHY)" step, or NULL to leave the step out. */
static char *step_sentence(const struct ge_flat *e, const struct ge_why *w, const char *prev_why)
{
    const char *why = e->step->why ? e->step->why : "";
    if (has_prefix(why, "assign") && ge__is_result_assign(e->step->what))
        return result_sentence(w, e->step);
    /* A generic callee's dictionary handed over with the value is the compiler's plumbing. */
    if (e->step->what != NULL && strstr(e->step->what, "..dict") != NULL)
        return NULL;
    /* A temporary the compiler holds a value in while a call runs adds nothing. */
    if (has_prefix(why, "assign") && e->step->what != NULL &&
        has_prefix(e->step->what, ".autotmp_") && strstr(e->step->what, " = ") != NULL)
        return NULL;
    char *what = step_what(w, e->step);
    char *m = NULL;
    /* A value converted to an interface is only allocated when the compiler cannot use
     * static storage (constants, single bytes and zero-sized values avoid it), so the step
     * says what happens, not that memory is allocated. */
    if (has_prefix(why, "spill") &&
        (w->category == GE_CAT_INTERFACE || w->category == GE_CAT_STATIC))
        m = ge_xasprintf("%s is stored in an interface value", what);
    for (size_t i = 0; m == NULL && i < GE_ARRAY_SIZE(simple_steps); i++)
        if (has_prefix(why, simple_steps[i].why))
            m = ge_xasprintf(simple_steps[i].format, what);
    if (m == NULL)
        m = edge_step_sentence(e, w, what, prev_why);
    free(what);
    return m;
}

/* A sentence for an edge the compiler explains with no step, e.g. "{heap} = {temp}". */
static char *edge_sentence(const struct ge_report_edge *e, const struct ge_why *w)
{
    char *src = edge_src(e, w);
    char *dst = edge_part(w, e->dst);
    char *m = ge_xasprintf("%s flows to %s", src, dst);
    free(src);
    free(dst);
    return m;
}

static void push_step(struct ge_finding *out, char *message, const struct ge_fact *f,
                      const struct ge_report_step *st)
{
    const char *file = st != NULL ? st->file : f->file;
    out->steps = ge_xrealloc(out->steps, (out->nsteps + 1) * sizeof(*out->steps));
    out->steps[out->nsteps++] = (struct ge_flow_step){
        .message = message,
        .path = st != NULL && st->line == 0 ? NULL : ge_xstrdup(file),
        .line = st != NULL ? st->line : f->line,
        .col = st != NULL ? (st->col ? st->col : 1) : (f->col ? f->col : 1),
    };
}

static void build_steps(const struct ge_fact *f, const struct ge_why *w, struct ge_finding *out)
{
    const char *prev_why = "";
    out->escape_step = -1;
    for (size_t i = 0; i < w->nflat; i++) {
        const struct ge_flat *e = &w->flat[i];
        char *m = e->step != NULL ? step_sentence(e, w, prev_why) : edge_sentence(e->edge, w);
        prev_why = e->step != NULL && e->step->why ? e->step->why : "";
        /* Nested inlined calls hand a result on twice in the same words. */
        if (m != NULL && out->nsteps > 0 && strcmp(out->steps[out->nsteps - 1].message, m) == 0) {
            free(m);
            m = NULL;
        }
        if (m != NULL)
            push_step(out, m, f, e->step);
        if ((long)i == w->decisive && out->nsteps > 0)
            out->escape_step = (int)out->nsteps - 1;
    }
}

/* How an interface-converted value leaves, as the words in parentheses. */
static char *via_words(const struct ge_why *w)
{
    switch (w->via) {
    case GE_CAUSE_CALL_ARG:
        return w->callee ? ge_xasprintf(" (argument of %s)", w->callee) : ge_xstrdup(" (argument)");
    case GE_CAUSE_RETURNED:
        return ge_xasprintf(" (returned from %s)", func_or(w));
    case GE_CAUSE_GLOBAL: {
        char *place = w->place ? readable(w, w->place) : NULL;
        char *s = place ? ge_xasprintf(" (stored in the global %s)", place)
                        : ge_xstrdup(" (stored in a global)");
        free(place);
        return s;
    }
    case GE_CAUSE_SENT:
        return ge_xstrdup(" (sent on a channel)");
    case GE_CAUSE_MAP_STORE:
        return ge_xstrdup(" (stored in a map)");
    case GE_CAUSE_POINTER_STORE:
        return ge_xstrdup(" (stored through a pointer)");
    case GE_CAUSE_APPENDED:
        return ge_xstrdup(" (appended to a slice)");
    default:
        return ge_xstrdup("");
    }
}

/* Causes whose words name a place: the left-hand side of the store, or the last variable. */
static char *place_words(const struct ge_why *w, const char *place)
{
    switch (w->cause) {
    case GE_CAUSE_GLOBAL:
        return place ? ge_xasprintf("stored in the global %s", place)
                     : ge_xstrdup("stored in a global");
    case GE_CAUSE_MAP_STORE:
        return place ? ge_xasprintf("stored in %s", place) : ge_xstrdup("stored in a map");
    case GE_CAUSE_POINTER_STORE:
        if (place != NULL && strcmp(place, "a package-level variable") == 0)
            return ge_xstrdup("stored in a package-level variable");
        return place ? ge_xasprintf("stored through a pointer (%s)", place)
                     : ge_xstrdup("stored through a pointer");
    default: /* GE_CAUSE_HEAP */
        if (place == NULL)
            return ge_xstrdup("flows to the heap");
        if (has_prefix(place, "the storage of "))
            return ge_xasprintf("flows into %s", place);
        return ge_xasprintf("stored in %s, which is on the heap", place);
    }
}

static char *cause_words_of(const struct ge_why *w);

/* The cause, and where the value was made when an inlined body made it. */
static char *cause_words(const struct ge_why *w)
{
    char *c = cause_words_of(w);
    if (w->inlined_call == NULL)
        return c;
    char *s = ge_xasprintf("%s%sinside the inlined call to %s", c, *c ? ", " : "", w->inlined_call);
    free(c);
    return s;
}

static char *cause_words_of(const struct ge_why *w)
{
    static const char *const words[GE_CAUSE_COUNT] = {
        [GE_CAUSE_CAPTURED] = "captured by a closure",
        [GE_CAUSE_TOO_LARGE] = "too large for the stack",
        [GE_CAUSE_TOO_ALIGNED] = "too strictly aligned for the stack",
        [GE_CAUSE_NONCONST_SIZE] = "size not constant",
        [GE_CAUSE_ZERO_SIZED] = "slice of zero-sized elements",
        [GE_CAUSE_APPENDED] = "appended to a slice",
        [GE_CAUSE_SENT] = "sent on a channel",
        [GE_CAUSE_GOROUTINE] = "passed to a goroutine",
        [GE_CAUSE_DEFER] = "deferred in a loop",
    };
    switch (w->cause) {
    case GE_CAUSE_CONSTANT:
        return ge_xstrdup(w->printed != NULL && w->printed[0] != '\0' &&
                                  w->printed[strlen(w->printed) - 1] == '}'
                              ? "no allocation: a literal of constants is stored in read-only data"
                              : "no allocation: a constant is stored in read-only data");
    case GE_CAUSE_ZERO_SIZE:
        return ge_xstrdup("no allocation: a zero-size value takes no memory");
    case GE_CAUSE_SMALL_VALUE:
        return ge_xstrdup("no allocation: a bool or a single byte comes from a static table");
    case GE_CAUSE_STATIC_DATA:
        return ge_xstrdup("no allocation: static data, not a heap allocation per call");
    case GE_CAUSE_RETURNED:
        return w->func ? ge_xasprintf("returned from %s", w->func) : ge_xstrdup("returned");
    case GE_CAUSE_INTERFACE: {
        char *via = via_words(w);
        char *s = ge_xasprintf("converted to interface%s", via);
        free(via);
        return s;
    }
    case GE_CAUSE_CALL_ARG:
        return w->callee ? ge_xasprintf("leaks via argument to %s", w->callee)
                         : ge_xstrdup("leaks via a call argument");
    case GE_CAUSE_GLOBAL:
    case GE_CAUSE_MAP_STORE:
    case GE_CAUSE_POINTER_STORE:
    case GE_CAUSE_HEAP: {
        char *place = w->place ? ge__inlined_place_new(w, w->place) : NULL;
        if (place == NULL && w->place != NULL)
            place = readable(w, w->place);
        char *s = place_words(w, place);
        free(place);
        return s;
    }
    default:
        return ge_xstrdup(words[w->cause] ? words[w->cause] : "");
    }
}

/* The readable subject; "append" (Go 1.25+) takes the call from the explanation. */
static char *readable_subject(const struct ge_fact *f, const struct ge_why *w, const char *written)
{
    if (written != NULL)
        return ge_xstrdup(written);
    /* With the source at hand but the expression not found as printed, a result the compiler
     * names (~r0, the value of a call inlined into this one) is shown as an ellipsis rather
     * than as "result 0", which the reader could not find. */
    if (w->src != NULL && w->src->text != NULL && strcmp(f->subject, "append") != 0 &&
        ge__has_compiler_name(f->subject)) {
        char *s = replace_results(f->subject, "\xe2\x80\xa6", false);
        char *h = ge__humanize(s);
        free(s);
        return h;
    }
    if (strcmp(f->subject, "append") == 0) {
        for (size_t i = 0; i < f->nedges; i++) {
            const char *s = strstr(f->edges[i].src ? f->edges[i].src : "", "{storage for append(");
            size_t k = s ? ge__brace_end(s) : 0;
            if (k > 14)
                return ge__humanize_n(s + 13, k - 14);
        }
    }
    return ge__humanize(f->subject);
}

/* "the first result" for the compiler's ~r0, "the result err" for a named one. New. */
static char *result_words(const char *res, size_t n)
{
    static const char *const nth[] = {"first", "second",  "third",  "fourth", "fifth",
                                      "sixth", "seventh", "eighth", "ninth",  "tenth"};
    if (n >= 3 && res[0] == '~' && res[1] == 'r' && res[2] >= '0' && res[2] <= '9') {
        unsigned long k = strtoul(res + 2, NULL, 10);
        return k < GE_ARRAY_SIZE(nth) ? ge_xasprintf("the %s result", nth[k])
                                      : ge_xasprintf("result %lu", k + 1);
    }
    char *name = ge__humanize_n(res, n);
    char *m = ge_xasprintf("the result %s", name);
    free(name);
    return m;
}

static char *param_message(const struct ge_fact *f, const char *subject, const char *cause)
{
    if (has_prefix(f->param_detail, "to result ")) {
        const char *res = f->param_detail + 10;
        const char *lvl = strstr(res, " level=");
        bool deref = lvl != NULL && strcmp(lvl, " level=0") != 0;
        char *words = result_words(res, lvl != NULL ? (size_t)(lvl - res) : strlen(res));
        char *m = ge_xasprintf(deref ? "what parameter %s points to is returned in %s"
                                     : "parameter %s is returned as %s",
                               subject, words);
        free(words);
        return m;
    }
    const char *whose = strcmp(f->param_detail, "content") == 0 ? "the content of " : "";
    return *cause ? ge_xasprintf("%sparameter %s leaks to the heap: %s", whose, subject, cause)
                  : ge_xasprintf("%sparameter %s leaks to the heap", whose, subject);
}

/* What follows the subject in the message of every kind but a parameter's (whose message
 * also depends on the leak's detail), or NULL. The cause follows it after ": " when it has
 * one, except for a value that does not escape. */
static const char *plain_verb(enum ge_fact_kind kind)
{
    switch (kind) {
    case GE_FACT_ESCAPE:
        return " escapes to heap";
    case GE_FACT_MOVED:
        return " moved to heap";
    case GE_FACT_NOESCAPE:
        return " does not escape";
    case GE_FACT_PARAM:
        break;
    }
    return NULL;
}

static void plain_message(struct ge_buf *b, enum ge_fact_kind kind, const char *subject,
                          const char *cause)
{
    bool with_cause = *cause && kind != GE_FACT_NOESCAPE;
    ge_buf_printf(b, "%s%s%s%s", subject, plain_verb(kind), with_cause ? ": " : "",
                  with_cause ? cause : "");
}

static char *message_of(const struct ge_fact *f, const char *subject, const char *cause)
{
    if (plain_verb(f->kind) == NULL)
        return param_message(f, subject, cause);
    struct ge_buf b;
    ge_buf_init(&b, SIZE_MAX);
    plain_message(&b, f->kind, subject, cause);
    return ge_buf_steal(&b, NULL);
}

/* Consumes s at *p when it is there. */
static bool skip(const char **p, const char *s)
{
    size_t n = strlen(s);
    if (strncmp(*p, s, n) != 0)
        return false;
    *p += n;
    return true;
}

bool ge__message_derivable(const struct ge_finding *f)
{
    const char *verb = plain_verb(f->kind);
    const char *m = f->message, *cause = f->cause ? f->cause : "";
    if (verb == NULL || m == NULL || f->subject == NULL || !skip(&m, f->subject) || !skip(&m, verb))
        return false;
    if (*cause && f->kind != GE_FACT_NOESCAPE)
        return skip(&m, ": ") && strcmp(m, cause) == 0;
    return *m == '\0';
}

const char *ge_finding_message(const struct ge_finding *f, struct ge_buf *scratch)
{
    if (f->message != NULL || plain_verb(f->kind) == NULL)
        return f->message ? f->message : "";
    ge_buf_reset(scratch);
    plain_message(scratch, f->kind, f->subject ? f->subject : "", f->cause ? f->cause : "");
    return scratch->data ? scratch->data : "";
}

const char *ge_finding_label(const struct ge_finding *f)
{
    if (f->kind == GE_FACT_PARAM && f->cause_kind != GE_CAUSE_RESULT)
        return f->content_leak ? "leak: content" : "leak: param";
    if (f->kind == GE_FACT_MOVED && f->cause_kind == GE_CAUSE_UNKNOWN)
        return "heap: moved";
    return f->cause_kind < GE_CAUSE_COUNT ? cause_labels[f->cause_kind] : "heap";
}

void ge__finding_explain_as(const struct ge_fact *fact, const struct ge_explain_source *src,
                            const char *written, bool flow, struct ge_finding *out)
{
    struct ge_why w;
    ge__classify(fact, src, &w);
    w.printed = fact->subject;
    w.written = written;
    *out = (struct ge_finding){
        .kind = fact->kind,
        .category = w.category,
        .cause_kind = w.cause,
        .line = fact->line,
        .col = fact->col ? fact->col : 1,
        .truncated = fact->truncated,
        .content_leak = fact->kind == GE_FACT_PARAM && fact->param_detail != NULL &&
                        strcmp(fact->param_detail, "content") == 0,
        .escape_step = -1,
    };
    out->subject = readable_subject(fact, &w, written);
    out->cause = cause_words(&w);
    if (w.category == GE_CAT_STATIC) /* the cause starts "no allocation: " */
        out->message = ge_xasprintf("%s needs no allocation: %s", out->subject, out->cause + 15);
    else
        out->message = message_of(fact, out->subject, out->cause);
    out->func = w.func ? ge_xstrdup(w.func) : NULL;
    if (flow)
        build_steps(fact, &w, out);
    ge__why_free(&w);
}

void ge_finding_explain_src(const struct ge_fact *fact, const struct ge_explain_source *src,
                            struct ge_finding *out)
{
    ge__finding_explain_as(fact, src, NULL, true, out);
}

void ge_finding_explain(const struct ge_fact *fact, struct ge_finding *out)
{
    ge_finding_explain_src(fact, NULL, out);
}
