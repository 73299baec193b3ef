/*
 * Shared between classify.c (category and cause from a fact), explain.c (the words) and
 * remedy.c. Private to analysis/.
 */
#ifndef GE_ANALYSIS_EXPLAIN_INTERNAL_H
#define GE_ANALYSIS_EXPLAIN_INTERNAL_H

#include "goescape/buf.h"
#include "goescape/finding.h"

/* One entry of an explanation read in order: a "from" step, or an edge with no steps. */
struct ge_flat {
    const struct ge_report_edge *edge;
    const struct ge_report_step *step; /* NULL for an edge without steps */
};

/* What classification found. */
struct ge_why {
    enum ge_category category;
    enum ge_cause cause;
    enum ge_cause via;    /* GE_CAUSE_INTERFACE only: how the converted value leaves */
    struct ge_flat *flat; /* owned: the explanation in order */
    size_t nflat;
    long decisive; /* index in flat of the step where the value escapes, or -1 */
    char *callee;  /* owned: the call that keeps it (CALL_ARG, or via CALL_ARG), or NULL */
    char *place;   /* owned: where it is stored (GLOBAL, MAP_STORE, POINTER_STORE), or NULL */
    char *func;    /* owned: the function it is in (readable), from the fact or the source */
    /* The subject as printed and as written in the source (both borrowed; written is NULL
     * when the printed subject is the one to show): explanation text that repeats the printed
     * subject shows the written one. */
    const char *printed;
    const char *written;
    const struct ge_explain_source *src; /* borrowed, or NULL */
    const struct ge_fact *fact;          /* borrowed */
    /* For a value made by the inlined body of a call (inlined.c), the callee and the call as
     * written ("strings.NewReplacer", "strings.NewReplacer(\"a\", \"b\")"); owned, or NULL. */
    char *inlined_call;
    char *call_text;
};

/* static.c: the cause of an escape that allocates nothing (GE_CAUSE_CONSTANT, _ZERO_SIZE,
 * _SMALL_VALUE or _STATIC_DATA), or GE_CAUSE_UNKNOWN when it may allocate. */
enum ge_cause ge__static_cause(const struct ge_fact *f, const struct ge_explain_source *src);

/* inlined.c: fills w->inlined_call and w->call_text when the compiler reports f at the '('
 * of a call whose inlined body made the value (and the value is not the call itself). */
void ge__inlined_origin(const struct ge_fact *f, const struct ge_explain_source *src,
                        struct ge_why *w);
/* Does the explanation carry the value into a call's result (an inlined call's ~r0 or ~R0):
 * is it what the call evaluates to? */
bool ge__becomes_result(const struct ge_why *w);
/* Is s[0..n) a lone result name of a function or of an inlined call: ~r0, ~R1, pkg.~r0? */
bool ge__is_result_name(const char *s, size_t n);
/* Is what an assignment to lone result names ("~r0 = x", "~r0, ~r1 = x, true")? */
bool ge__is_result_assign(const char *what);
/* The call whose '(' is at line:col of src->text as written, receiver chain included
 * ("c.Request.Context().Done()"), as a one-line subject, and its callee in *callee_new (may
 * be NULL); both new. NULL when there is no call there. */
char *ge__source_call_new(const struct ge_explain_source *src, uint32_t line, uint32_t col,
                          char **callee_new);

/* "a variable of the inlined call to sync.OnceValue" when place is a local of another
 * package's inlined body (sync.d: the compiler qualifies it with the package the file
 * imports) and a step of w names the call; else NULL. New. */
char *ge__inlined_place_new(const struct ge_why *w, const char *place);

void ge__classify(const struct ge_fact *f, const struct ge_explain_source *src, struct ge_why *out);
void ge__why_free(struct ge_why *w);

/* Byte offset of a 1-based line and byte column in src->text, or false when out of range. */
bool ge__src_offset(const struct ge_explain_source *src, uint32_t line, uint32_t col, size_t *off);

/* ge_finding_explain_src with the subject as written in the source (borrowed, or NULL to show
 * the compiler's): it stands for the printed subject in the finding's subject, message and
 * flow. Without flow, the finding gets no steps (escape_step -1); nothing else changes. */
void ge__finding_explain_as(const struct ge_fact *fact, const struct ge_explain_source *src,
                            const char *written, bool flow, struct ge_finding *out);

/* Does s hold a compiler name that stands for an expression of the source: ~r0 (a result),
 * ~R0 (an inlined call's result), ~p0, .autotmp_3? */
bool ge__has_compiler_name(const char *s);
/* True when f's message is what ge_finding_message would make of its kind, subject and
 * cause, so a pool need not keep it. */
bool ge__message_derivable(const struct ge_finding *f);

/* Readable text for compiler names: "~r0" -> "result 0", "{storage for X}" -> "the storage
 * of X", "{heap}" -> "the heap", ".autotmp_3" -> "a temporary", "go.shape." dropped. New. */
char *ge__humanize(const char *s);
/* The same, appended to b (humanize.c). */
void ge__humanize_into(struct ge_buf *b, const char *s, size_t n);
/* Index just past the '}' that closes the '{' at s[0], or 0 when unbalanced. */
size_t ge__brace_end(const char *s);
char *ge__humanize_n(const char *s, size_t n);

#endif
