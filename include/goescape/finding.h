/*
 * Findings: what goescape shows the user. A finding is a compiler fact placed in one file of
 * the analyzed package, classified into a category, explained in plain words (a cause and a
 * readable flow), and given an exact byte span in that file's text. Built from a report by
 * pure functions; the server keeps them per file and moves them with edits.
 */
#ifndef GOESCAPE_FINDING_H
#define GOESCAPE_FINDING_H

#include "goescape/buf.h"
#include "goescape/report.h"
#include "goescape/scan.h"
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
    GE_CAT_STATIC,    /* "escapes" that allocate nothing: constants and constant composite
                         literals (read-only data), zero-size values, bool and single-byte
                         values (a static table), static temporaries (not heap escapes) */
    GE_CAT_INLINED,   /* what another function's inlined body allocates at a call, when it is
                         not the call's value: a field of the returned object, an internal
                         buffer (not shown as heap escapes; the call's value is) */
    GE_CAT_COUNT
};

/* "map", "closure", ... Never NULL for a valid category. */
const char *ge_category_name(enum ge_category c);
/* Returns 0 and the category for a name, or -EINVAL. */
int ge_category_parse(const char *name, enum ge_category *out);
/* True for the eight heap-escape categories; false for param, noescape, static and inlined,
 * which are hidden by default and still answer hovers. */
bool ge_category_is_heap(enum ge_category c);

/* Why a value reaches the heap, as derived from the compiler's explanation (-m=2). */
enum ge_cause {
    GE_CAUSE_UNKNOWN,       /* no explanation (-m=1 output), or none recognised */
    GE_CAUSE_RETURNED,      /* "returned from F" */
    GE_CAUSE_CAPTURED,      /* "captured by a closure" */
    GE_CAUSE_INTERFACE,     /* "converted to interface (argument of fmt.Println)" */
    GE_CAUSE_TOO_LARGE,     /* "too large for the stack" */
    GE_CAUSE_TOO_ALIGNED,   /* "too strictly aligned for the stack" */
    GE_CAUSE_NONCONST_SIZE, /* "size not constant" (Go up to 1.24) */
    GE_CAUSE_ZERO_SIZED,    /* "zero-sized element" (Go 1.25+) */
    GE_CAUSE_CALL_ARG,      /* "leaks via argument to F" */
    GE_CAUSE_APPENDED,      /* "appended to a slice" */
    GE_CAUSE_SENT,          /* "sent on a channel" */
    GE_CAUSE_MAP_STORE,     /* "stored in a map" */
    GE_CAUSE_GLOBAL,        /* "stored in the global sink" */
    GE_CAUSE_POINTER_STORE, /* "stored through a pointer" */
    GE_CAUSE_GOROUTINE,     /* "passed to a goroutine" */
    GE_CAUSE_DEFER,         /* "deferred in a loop" */
    GE_CAUSE_HEAP,          /* flows to the heap by a path with no more specific reason */
    GE_CAUSE_RESULT,        /* a parameter that flows to a result (not a heap escape) */
    GE_CAUSE_NONE,          /* "does not escape" */
    GE_CAUSE_CONSTANT,      /* static: a constant, kept in read-only data */
    GE_CAUSE_ZERO_SIZE,     /* static: a zero-size value, which takes no memory */
    GE_CAUSE_SMALL_VALUE,   /* static: a bool or single byte, taken from a static table */
    GE_CAUSE_STATIC_DATA,   /* static: data laid out once (a static temporary) */
    GE_CAUSE_COUNT
};

/* "returned", "captured", ... (stable identifiers for filters and JSON). Never NULL. */
const char *ge_cause_name(enum ge_cause c);

/* One readable step of the path to the heap. */
struct ge_flow_step {
    char *message; /* owned: e.g. "returned from NewMap: return m" */
    char *path;    /* owned: absolute path, or NULL when outside the package (from
                      ge_finding_explain: the file as printed, or NULL when unknown) */
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based byte column */
};

struct ge_finding {
    uint8_t kind;        /* enum ge_fact_kind */
    uint8_t category;    /* enum ge_category */
    uint8_t cause_kind;  /* enum ge_cause: the cause as a code; cause is its words */
    bool truncated;      /* the compiler's explanation was cut short */
    bool pooled;         /* its strings and steps live in its set's pool (see below) */
    bool content_leak;   /* a leaking parameter's content, not the parameter itself */
    int32_t escape_step; /* index of the step where the value escapes (return, call,
                            capture), or -1 */
    uint32_t line;       /* compiler position: 1-based line */
    uint32_t col;        /* 1-based byte column (1 when the compiler printed none) */
    uint32_t nsteps;
    struct ge_span span;        /* byte span of the expression in the file text */
    char *path;                 /* owned: absolute path of the file */
    char *subject;              /* owned: the expression or name, readable; from
                                   ge_findings_build, the source text of the span when the
                                   compiler's holds ~r0, ~R0 or .autotmp_N and the span is the
                                   expression itself */
    char *cause;                /* owned: plain words, e.g. "returned from NewMap" */
    char *message;              /* owned: "<subject> escapes to heap: <cause>"; NULL in a pooled
                                   finding whose message follows from its kind, subject and
                                   cause: read it with ge_finding_message */
    char *func;                 /* owned: enclosing function when known, or NULL */
    struct ge_flow_step *steps; /* owned */
};

/* The short inlay label of f, at most 16 bytes: "heap: returned", "leak: param". Static. */
const char *ge_finding_label(const struct ge_finding *f);

/* Where the package under analysis lives, so facts can be kept or dropped. */
struct ge_pkg_filter {
    const char *import_path;  /* borrowed: e.g. "example.com/m/maps" */
    const char *dir;          /* borrowed: absolute package directory */
    const char *const *files; /* borrowed: base names of the package's Go files (incl. tests) */
    size_t nfiles;
    const char *cwd; /* borrowed: absolute working directory of the go command, or NULL when
                        unknown (then every block is read as a cache replay, by its evidence) */
    /* The caller shows no flow (a plain text listing): findings get no steps, which spares
     * most of the explaining. Every other field of a finding is the same either way. */
    bool without_flow;
};

/* Reads a file's text for range finding. Returns 0 and a borrowed pointer valid until the
 * next call, or a negative errno. During one build, a file asked for twice must come back
 * with the same text: the declarations read from it first place the facts read later. */
typedef int (*ge_text_source_cb)(void *ctx, const char *path, const char **text, size_t *len);

/*
 * Findings of one or more files. What ge_findings_build returns is pooled: neighbouring
 * findings of a file share one allocation (a pool) for their strings and steps, with equal
 * strings stored once, and the items own nothing themselves. A set owns its pools.
 */
struct ge_finding_set {
    struct ge_finding *items; /* owned; sorted by path, then span */
    size_t count;
    void **pools; /* owned: the storage of pooled items, each starting with their file's path */
    size_t npools;
};

/*
 * Builds the findings of one package from a report: keeps facts whose header package is
 * import_path (or its "_test" package; any package when import_path is NULL) and whose printed
 * path resolves to one of the package's files. An absolute path must name dir. A relative path
 * is read with the rest of its compile block: a block that prints dir as the go command does
 * from cwd resolves against cwd; a block replayed from the build cache (printed from whichever
 * directory first filled it) resolves through the one printed directory its lines show to be
 * dir. Another package's file of the same base name, GOROOT, $WORK, <autogenerated> and //line
 * names are dropped. It removes duplicates (a file compiled for both the package and its test
 * binary), classifies, explains, and finds each span in the text from source. Facts on a line
 * past the end of the text, and facts of files source cannot read, are dropped. Facts of every
 * kind are kept; callers filter by category. A flow step whose path resolves (in its fact's
 * block) to a package file gets that file's absolute path; other steps get NULL.
 * source is called once for each of filter->files (to learn the package's methods and named
 * types) and again for each file that has facts. Runs on the caller's thread; no I/O of its
 * own. Returns 0 and fills out (free with ge_finding_set_free), or -EINVAL for NULL r, filter,
 * filter->dir or source.
 */
int ge_findings_build(const struct ge_report *r, const struct ge_pkg_filter *filter,
                      ge_text_source_cb source, void *source_ctx, struct ge_finding_set *out);
/* The same, file by file: files_out (an array of filter->nfiles sets) gets the findings of
 * each of filter->files, sorted by span and pooled. A server that keeps findings per
 * file takes them without copying. */
int ge_findings_build_files(const struct ge_report *r, const struct ge_pkg_filter *filter,
                            ge_text_source_cb source, void *source_ctx,
                            struct ge_finding_set *files_out);

/* Classifies and explains one fact without placing it (used by the CLI and tests). Fills the
 * category, subject, cause, cause_kind, message, content_leak, func, steps, escape_step and
 * truncated of out, with path and span left empty (step paths hold the file as printed). Strings
 * are new. Equivalent to ge_finding_explain_src with no source. */
void ge_finding_explain(const struct ge_fact *fact, struct ge_finding *out);

/*
 * What the source says around a fact, when the caller has it. Everything is borrowed and may
 * be NULL/0. With it the explainer names the function a fact is in (Go before 1.26 does not
 * print it), names the call a value is passed to as the user wrote it ("fmt.Println" rather
 * than the inlined "fmt.Fprintln"), tells a method value from a field, a named map type from
 * a named slice type, and a go statement from a defer.
 */
struct ge_explain_source {
    const char *text; /* the text of the fact's file */
    size_t len;
    const size_t *line_starts; /* byte offset of each 0-based line of text, or NULL */
    size_t nlines;
    const char *func;           /* the top-level function around the fact, or NULL */
    const char *const *methods; /* names of the methods the package declares ("Get") */
    size_t nmethods;
    const struct ge_type_decl *types; /* the package's named types */
    size_t ntypes;
    /* Where the fact was placed in text, when the caller has placed it (an empty span
     * otherwise), and how: an enum ge_span_fit of analysis/scan_internal.h. With it a
     * composite literal of constants is told from one of variables, and what an inlined
     * call's body allocates from the value of the call. */
    struct ge_span span;
    uint8_t fit;
};

/* ge_finding_explain with the help of src (may be NULL). The text is used only for positions
 * in the fact's own file. */
void ge_finding_explain_src(const struct ge_fact *fact, const struct ge_explain_source *src,
                            struct ge_finding *out);

/*
 * A short markdown remedy for the finding's category and cause, or NULL when there is nothing
 * useful to suggest (non-escapes, parameters, unknown causes). The string is new; free() it.
 * Interface conversions never promise an allocation: constants and single-byte values are
 * converted without one (golang/go#71359).
 */
char *ge_finding_remedy_new(const struct ge_finding *f);

/* Moves the strings and steps of items[0..n), which all name one file, into one new pool and
 * returns it: equal strings are stored once, and the items become pooled. The caller adds the
 * pool to the set that holds the items. */
void *ge_finding_pool_new(struct ge_finding *items, size_t n);
/* The message of f: f->message, or made in scratch (reset first) when the pool left it out.
 * The result is borrowed from f or scratch. A scratch capped at GE_MESSAGE_MAX always has
 * room: subject and cause each come from one compiler line. */
#define GE_MESSAGE_MAX (3u * GE_PARSE_LINE_MAX)
const char *ge_finding_message(const struct ge_finding *f, struct ge_buf *scratch);
/* Frees what f owns and resets it; a pooled finding owns nothing, its set frees the pool. */
void ge_finding_free(struct ge_finding *f);
/* Frees the items and the pools. */
void ge_finding_set_free(struct ge_finding_set *s);

#endif
