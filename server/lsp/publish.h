/*
 * textDocument/publishDiagnostics (publish.c): each file's diagnostics built from its
 * findings, compile errors and assertions, sent only when they differ from what the client
 * has, at once, in slices of loop time (deliver.c), or after a short delay (edits, settings).
 */
#ifndef GE_SERVER_PUBLISH_H
#define GE_SERVER_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goescape/assert.h"
#include "goescape/buf.h"
#include "goescape/finding.h"
#include "goescape/text.h"

struct ge_server;
struct ge_pkg;
struct ge_file;
struct ge_build_error;

/* True when f's diagnostics, code lenses and status count are shown: f is open, or
 * diagnosticsScope is "package". */
bool ge_file_in_view(struct ge_server *s, const struct ge_file *f);
/* Publishes the diagnostics of one file, only when they changed; a file out of view gets an
 * empty list when the client has diagnostics of it. */
void ge_publish_file(struct ge_server *s, struct ge_file *f);

/* How an assertion changes one finding's diagnostic. */
struct ge_assert_mark {
    uint32_t assertion; /* index + 1, or 0 */
    uint8_t verdict;    /* enum ge_assert_verdict */
};

/* One file's diagnostics built over several slices of loop time. */
struct ge_publish_job {
    struct ge_file *file; /* borrowed: the file being built, or NULL */
    const char *text;     /* borrowed: the text it was started on */
    size_t len;
    const struct ge_finding *items; /* borrowed: the findings it was started on */
    size_t count;
    uint64_t edit_seq; /* the document's edit_seq when started (0 when not open) */
    bool stale;
    size_t next;           /* the next finding to add */
    struct ge_lines lines; /* owned: line index of text */
    struct ge_buf list;    /* owned: the diagnostics so far, as JSON text without the [] */
    size_t count_out;      /* diagnostics in list */
    uint64_t digest;       /* of list so far, folded in as diagnostics are added */
    bool truncated;        /* list reached its cap; the rest were dropped */
    /* The file's assertions (goescape/assert.h) and, per finding, the verdict that changes
     * how it is shown (assert_of: assertion index + 1, or 0), both owned, NULL when none. */
    struct ge_assertion *asserts;
    struct ge_assert_mark *assert_of;
};
/* Builds f's diagnostics until deadline_ns (uv_hrtime) or the end, then publishes them as
 * ge_publish_file does. Returns true once f is done; false when it must be called again. A
 * change to f's text or findings between calls starts it over. */
bool ge_publish_step(struct ge_server *s, struct ge_publish_job *job, struct ge_file *f,
                     uint64_t deadline_ns);
void ge_publish_job_reset(struct ge_publish_job *job);
/* Publishes an empty list for every file of pkg and forgets its findings. */
void ge_publish_clear_pkg(struct ge_server *s, struct ge_pkg *pkg);
/* Republishes every file after GE_REPUBLISH_DELAY_MS (settings changed). */
void ge_publish_all_later(struct ge_server *s);
/* The same for one file (after an edit moved its findings). */
void ge_publish_file_later(struct ge_server *s, struct ge_file *f);
/* Replaces the file's compile errors (errors_new is stolen; may be NULL). */
void ge_file_set_errors(struct ge_file *f, struct ge_build_error *errors_new, size_t n);

#endif
