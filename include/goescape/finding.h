/*
 * Findings: what goescape shows the user. A finding is a compiler fact placed in one file of
 * the analyzed package, classified into a category, explained in plain words (a cause and a
 * readable flow), and given an exact byte span in that file's text. Built from a report by
 * pure functions; the server keeps them per file and moves them with edits.
 */
#ifndef GOESCAPE_FINDING_H
#define GOESCAPE_FINDING_H

#include "goescape/report.h"
#include "goescape/text.h"

enum ge_category {
    GE_CAT_MAP,       /* make(map...), map literals */
    GE_CAT_CLOSURE,   /* func literals, method values, variables captured by closures */
    GE_CAT_INTERFACE, /* values converted to an interface */
    GE_CAT_SLICE,     /* make([]...), slice literals, "... argument", append storage */
    GE_CAT_POINTER,   /* &T{...}, new(T) */
    GE_CAT_STRING,    /* concatenation, conversions */
    GE_CAT_MOVED,     /* other variables moved to the heap */
    GE_CAT_OTHER,     /* any other heap escape */
    GE_CAT_PARAM,     /* leaking parameter facts (not heap escapes) */
    GE_CAT_NOESCAPE,  /* "does not escape" facts (not heap escapes) */
    GE_CAT_COUNT
};

/* "map", "closure", ... Never NULL for a valid category. */
const char *ge_category_name(enum ge_category c);
/* Returns 0 and the category for a name, or -EINVAL. */
int ge_category_parse(const char *name, enum ge_category *out);
/* True for the eight heap-escape categories. */
bool ge_category_is_heap(enum ge_category c);

/* One readable step of the path to the heap. */
struct ge_flow_step {
    char *message; /* owned: e.g. "m is returned from NewMap" */
    char *path;    /* owned: absolute path, or NULL when outside the package */
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based byte column */
};

struct ge_finding {
    enum ge_fact_kind kind;
    enum ge_category category;
    char *path;         /* owned: absolute path of the file */
    uint32_t line;      /* compiler position: 1-based line */
    uint32_t col;       /* 1-based byte column (1 when the compiler printed none) */
    struct ge_span span; /* byte span of the expression in the file text */
    char *subject;      /* owned: the expression or name, readable */
    char *cause;        /* owned: plain words, e.g. "returned from NewMap" */
    char *message;      /* owned: "<subject> escapes to heap: <cause>" */
    char *label;        /* owned: short inlay label, e.g. "heap: returned" */
    char *func;         /* owned: enclosing function when known, or NULL */
    struct ge_flow_step *steps; /* owned */
    size_t nsteps;
    int escape_step;    /* index of the step where the value escapes (return, call, capture),
                           or -1 */
    bool truncated;     /* the compiler's explanation was cut short */
};

/* Where the package under analysis lives, so facts can be kept or dropped. */
struct ge_pkg_filter {
    const char *import_path; /* borrowed: e.g. "example.com/m/maps" */
    const char *dir;         /* borrowed: absolute package directory */
    const char *const *files; /* borrowed: base names of the package's Go files (incl. tests) */
    size_t nfiles;
};

/* Reads a file's text for range finding. Returns 0 and a borrowed pointer valid until the
 * next call, or a negative errno. */
typedef int (*ge_text_source_cb)(void *ctx, const char *path, const char **text, size_t *len);

struct ge_finding_set {
    struct ge_finding *items; /* owned; sorted by path, then span */
    size_t count;
};

/*
 * Builds the findings of one package from a report: keeps facts whose file is one of the
 * package's files (by base name, resolved against dir; other paths, GOROOT and //line names
 * are dropped), removes duplicates (a file compiled twice for tests), classifies, explains,
 * and finds each span with the text from source. Facts of every kind are kept; callers filter
 * by category. Returns 0 and fills out (which the caller frees with ge_finding_set_free).
 */
int ge_findings_build(const struct ge_report *r, const struct ge_pkg_filter *filter,
                      ge_text_source_cb source, void *source_ctx, struct ge_finding_set *out);

/* Classifies and explains one fact without placing it (used by the CLI and tests). Fills the
 * category, subject, cause, message, label, func, steps and escape_step of out, with path
 * and span left empty. Strings are new. */
void ge_finding_explain(const struct ge_fact *fact, struct ge_finding *out);

void ge_finding_free(struct ge_finding *f);
void ge_finding_set_free(struct ge_finding_set *s);

#endif
