/*
 * Assertions written in Go comments, and their verdicts against a file's findings. Pure
 * functions of the text and the findings: no I/O, no globals, safe on any thread.
 *
 * A comment is an assertion when, after its opening characters and any spaces or tabs, it
 * reads one of the directives below, followed by the end of the comment or a space or tab:
 *   goescape:noescape   nothing on the covered code escapes to the heap
 *   gcassert:noescape   the same, as the gcassert tool spells it
 *   goescape:allow R    the heap escapes on the covered code are accepted, for reason R
 *                       (required: a bare allow is itself reported)
 * What an assertion covers follows the ignore comment's rule (goescape/filter.h): the line it
 * ends, when code precedes it there; else the first line below the comment-only lines it is
 * part of. When that line opens a top-level function (the comment is in the function's doc
 * comment), it covers the whole function, from "func" to its closing brace.
 */
#ifndef GOESCAPE_ASSERT_H
#define GOESCAPE_ASSERT_H

#include "goescape/finding.h"

/* Longest reason kept from an allow directive; the rest is cut. */
#define GE_ASSERT_REASON_MAX 200u
/* Assertions looked at in one file; more are left out (and not reported). */
#define GE_ASSERT_MAX 4096u

enum ge_assert_kind {
    GE_ASSERT_NOESCAPE, /* goescape:noescape or gcassert:noescape */
    GE_ASSERT_ALLOW,    /* goescape:allow */
};

struct ge_assertion {
    uint8_t kind;           /* enum ge_assert_kind */
    bool gcassert;          /* spelled gcassert:noescape */
    bool func_scope;        /* in a function's doc comment: covers the function */
    struct ge_span comment; /* the whole comment, opening characters included */
    struct ge_span target;  /* the bytes covered (empty at the comment when nothing follows) */
    uint32_t line;          /* 0-based line the comment starts on */
    uint32_t target_line;   /* 0-based first line covered */
    char reason[GE_ASSERT_REASON_MAX + 1]; /* an allow's reason, "" when none */
};

/* "goescape:noescape", "gcassert:noescape" or "goescape:allow". Static. */
const char *ge_assert_name(const struct ge_assertion *a);

/* Lists the assertions of text[0..len) (borrowed) in source order. Returns the count and a
 * new array in *out (free() it; NULL when there are none). Costs one memmem pass when the text
 * names no directive, else one lexing pass and one function scan. */
size_t ge_assert_scan(const char *text, size_t len, struct ge_assertion **out);

enum ge_assert_verdict {
    GE_VERDICT_BROKEN,    /* a noescape assertion and a heap escape it covers */
    GE_VERDICT_ALLOWED,   /* an allow assertion with a reason and a heap escape it covers */
    GE_VERDICT_NO_REASON, /* an allow assertion without a reason */
    GE_VERDICT_UNMATCHED, /* the assertion covers no code the compiler reported on */
};

struct ge_assert_result {
    uint8_t verdict;  /* enum ge_assert_verdict */
    size_t assertion; /* index into the assertions */
    size_t finding;   /* index into the findings (BROKEN, ALLOWED), else SIZE_MAX */
};

/*
 * The verdicts of assertions a[0..na) on the findings items[0..n) of the same text (borrowed;
 * sorted by span, as a finding set's are). A heap escape (ge_category_is_heap) whose span
 * starts in an assertion's target breaks a noescape assertion, or is allowed by an allow
 * assertion with a reason. An assertion whose target holds no finding of any kind (facts
 * that are not escapes count: the compiler looked at the code) is unmatched. A bare allow
 * gives NO_REASON and allows nothing. Returns the count and a new array in *out (free() it),
 * ordered by assertion, then finding.
 */
size_t ge_assert_check(const struct ge_assertion *a, size_t na, const struct ge_finding *items,
                       size_t n, struct ge_assert_result **out);

/* The message of a result, new (free() it): e.g. "goescape:noescape broken: m escapes to
 * heap: returned from NewMap". f is the result's finding or NULL; msg its message. */
char *ge_assert_message_new(const struct ge_assertion *a, const struct ge_assert_result *r,
                            const char *finding_message);

#endif
