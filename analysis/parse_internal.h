/*
 * Private state of the compiler-output parser, shared by parse.c (line splitting and
 * dispatch), parse_rx.c (the pcre2 patterns) and parse_group.c (explanation blocks, grouping
 * with summaries, deduplication). Raw strings are views into the caller's input, which stays
 * valid for the whole ge_parse call; they are copied into the report's arena only when they
 * end up in the report.
 */
#ifndef GE_ANALYSIS_PARSE_INTERNAL_H
#define GE_ANALYSIS_PARSE_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "goescape/report.h"
#include "arena.h"
#include "hash.h"
#include "goescape/buf.h"

/* A view of bytes in the input (not NUL-terminated). */
struct sv {
    const char *p;
    size_t n;
};

/* A position as printed: file:line[:col][[orig:line[:col]]]. */
struct rpos {
    struct sv file;
    uint32_t line;
    uint32_t col;
    struct sv orig;
    uint32_t orig_line;
    uint32_t orig_col;
};

enum rx_id {
    RX_HEADER,
    RX_ESCAPE,
    RX_ESCAPE_BLOCK,
    RX_ESCAPE_TAIL,
    RX_NOESCAPE,
    RX_MOVED,
    RX_LEAK,
    RX_PARAM,
    RX_FLOW,
    RX_FROM,
    RX_FROM_TAIL,
    RX_INFO,
    RX_COUNT
};

/* Named groups, resolved to numbers once at init. Unused combinations stay 0. */
enum rx_group {
    G_PKG,
    G_TEST,
    G_SUBJ,
    G_FUNC,
    G_NAME,
    G_CONTENT,
    G_RESULT,
    G_SINK,
    G_DST,
    G_SRC,
    G_WHAT,
    G_WHY,
    G_POS,
    G_COUNT
};

struct raw_step {
    struct sv what;
    struct sv why;
    struct rpos pos;
};

struct raw_edge {
    struct sv dst;
    struct sv src;
    size_t first_step;
    size_t nsteps;
};

/* One -m=2 explanation block, waiting for the summary line it belongs to. Its file names are
 * interned in the report's arena, its key strings live in the parser's keys arena, and its
 * edges and steps in its body (see parse_store.c). While the block is open, its edges and
 * steps are in the parser's scratch vectors. */
struct pblock {
    struct rpos pos;   /* file and orig interned */
    struct sv subject; /* EXPR, or the parameter name; "append(...)" is keyed as "append" */
    struct sv func;
    struct sv sink;
    void *body;             /* owned: edges, steps and their strings; NULL once claimed */
    struct raw_edge *edges; /* in body */
    struct raw_step *steps; /* in body; each edge's first_step indexes these */
    size_t nedges;
    uint32_t hash;
    int32_t next; /* next block with the same key, or -1 */
    bool is_param;
    bool truncated;
    bool used;
};

#define VEC(T)                                                                                     \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n;                                                                                  \
        size_t cap;                                                                                \
    }

struct interned {
    const char *s; /* in the arena */
    size_t n;
    uint32_t hash;
};

/* Open addressing table of indices (plus one; 0 is empty) into an array kept elsewhere. */
struct itab {
    uint32_t *slots;
    size_t cap; /* power of two */
    size_t n;
};

struct ge_parser {
    pcre2_code *rx[RX_COUNT];
    uint32_t group[RX_COUNT][G_COUNT];
    pcre2_match_data *md;
    PCRE2_SIZE *ov; /* md's ovector, stable for md's lifetime */
    uint32_t ov_count;
    bool jit;

    /* Per-parse state, reset by ge_parse_begin; the vectors keep their capacity. */
    VEC(struct raw_step) steps; /* scratch: the open block's steps */
    VEC(struct raw_edge) edges; /* scratch: the open block's edges */
    VEC(struct pblock) blocks;
    VEC(struct ge_fact) facts;
    VEC(struct ge_report_line) others;
    struct itab block_tab;
    struct itab fact_tab;
    struct itab str_tab; /* interned file names and words: indices into strs */
    VEC(struct interned) strs;
    int32_t last_file;  /* index in strs of the last file name interned, or -1 */
    int32_t open_block; /* index of the block being read, or -1 */
    const char *pkg;    /* current header's package, in the arena */
    bool test_build;
    struct ge_arena *arena; /* the report's */
    struct ge_arena *keys;  /* private: the blocks' key strings */
    struct ge_buf carry;    /* the unfinished last line of the input so far */
    bool carry_over;        /* that line was longer than GE_PARSE_LINE_MAX; the rest is dropped */
    size_t nlines;
    size_t ndropped;         /* unknown lines past GE_REPORT_OTHERS_MAX */
    VEC(uint32_t) fact_hash; /* hash of each fact's key, parallel to facts */
    VEC(int32_t) attach;     /* scratch: blocks being attached to one fact */
    VEC(int32_t) orphans;    /* escape and move facts that found no block */
    size_t ninfo;
};

#define VEC_PUSH(vec, item)                                                                        \
    do {                                                                                           \
        if ((vec).n == (vec).cap) {                                                                \
            (vec).cap = (vec).cap ? (vec).cap * 2 : 64;                                            \
            (vec).v = ge_xrealloc((vec).v, (vec).cap * sizeof(*(vec).v));                          \
        }                                                                                          \
        (vec).v[(vec).n++] = (item);                                                               \
    } while (0)

static inline bool sv_eq(struct sv a, struct sv b)
{
    return a.n == b.n && (a.n == 0 || __builtin_memcmp(a.p, b.p, a.n) == 0);
}

static inline bool sv_eqs(struct sv a, const char *s)
{
    size_t n = __builtin_strlen(s);
    return a.n == n && __builtin_memcmp(a.p, s, n) == 0;
}

/* parse_rx.c */
int ge__rx_init(struct ge_parser *p);
void ge__rx_free(struct ge_parser *p);
/* Matches pattern id against s[0..n). Returns true on a match; groups are then read with
 * ge__rx_group. */
bool ge__rx_match(struct ge_parser *p, enum rx_id id, const char *s, size_t n);
/* The same, starting at byte offset off of s (for patterns anchored with \G). */
bool ge__rx_match_at(struct ge_parser *p, enum rx_id id, const char *s, size_t n, size_t off);
/* The group g of the last match of pattern id, or an empty view with p == NULL when unset. */
struct sv ge__rx_group(struct ge_parser *p, enum rx_id id, enum rx_group g, const char *s);

/* parse.c */
/* Parses "file:line[:col][[orig]]" at s. With prefix set the position must be followed by
 * ": " (or ":" at the end); otherwise it must run to the end of s. Returns the number of bytes
 * consumed (including ": "), or 0 when s holds no position. */
size_t ge__parse_pos(const char *s, size_t n, struct rpos *pos, bool prefix);

/* parse_group.c */
void ge__group_reset(struct ge_parser *p);
/* Frees every per-parse vector and table (a parser between parses holds only its patterns). */
void ge__group_free(struct ge_parser *p);
/* Opens a new explanation block (closing the open one). */
void ge__block_open(struct ge_parser *p, const struct rpos *pos, struct sv subject, struct sv func,
                    struct sv sink, bool is_param);
/* Closes the open block, if any, and files it under its key. */
void ge__block_close(struct ge_parser *p);
/* Adds a summary fact; groups the waiting blocks with it and drops duplicates. */
void ge__fact_add(struct ge_parser *p, enum ge_fact_kind kind, const struct rpos *pos,
                  struct sv subject, struct sv detail);
/* Interns a file name in the arena. */
const char *ge__intern_file(struct ge_parser *p, struct sv file);
/* parse_store.c */
/* Copies the scratch edges and steps (with their strings) into b's body, replacing it. */
void ge__block_store(struct ge_parser *p, struct pblock *b);
/* Stores the open block, if any, so that it no longer points into the input. */
void ge__block_pin_open(struct ge_parser *p);
/* Frees b's body once a summary has claimed it. */
void ge__block_release(struct pblock *b);

/* Gives blocks left unclaimed to summaries left without one at the same position. */
void ge__match_leftovers(struct ge_parser *p);
/* Counts the blocks that never met their summary; call once at the end. */
size_t ge__count_unmatched(struct ge_parser *p);

#endif
