/*
 * The open documents (documents.c): their text as the client has it, and the edit log that
 * moves findings, and the results of an analysis that started before an edit, to the current
 * text. The table lives in ge_server.docs, keyed by URI; textsync.c fills it.
 */
#ifndef GE_SERVER_DOCUMENTS_H
#define GE_SERVER_DOCUMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "goescape/buf.h"
#include "goescape/finding.h"
#include "goescape/text.h"

struct ge_server;
struct ge_pkg;
struct ge_file;
struct ge_strmap;

/* An open document. */
struct ge_doc {
    char *uri;          /* owned */
    char *path;         /* owned; NULL when the URI is not a file: URI */
    struct ge_buf text; /* capped at GE_TEXT_MAX */
    int64_t version;
    struct ge_pkg *pkg; /* borrowed; NULL when the file is not analyzed */
    /* Edits applied since the oldest snapshot a running analysis holds, so its results can
     * be moved to the current text. delta_seq0 is the sequence number of deltas[0]. */
    struct ge_text_delta *deltas;
    size_t ndeltas;
    size_t cap_deltas;
    uint64_t delta_seq0;
    uint64_t edit_seq; /* number of edits applied so far */
};

/* The open document of uri, or NULL. Borrowed. */
struct ge_doc *ge_doc_find(struct ge_server *s, const char *uri);
/* The open document of an absolute path, or NULL. Borrowed. */
struct ge_doc *ge_doc_for_path(struct ge_server *s, const char *path);
/* The text findings in f refer to: its open document's in docs (ge_server.docs), or the
 * file's disk text. Borrowed; never NULL. */
const char *ge_file_text(const struct ge_strmap *docs, const struct ge_file *f, size_t *len);
/* Frees d (stolen), which is no longer in the table. */
void ge_doc_destroy(struct ge_doc *d);
/* Frees every document and the table (when the server ends). */
void ge_docs_free(struct ge_server *s);
/* Moves the spans of set through one edit, dropping the spans it touched. */
void ge_shift_findings(struct ge_finding_set *set, const struct ge_text_delta *delta);
/* Records a delta for running analyses and moves the file's findings with the edit. */
void ge_doc_track_edit(struct ge_server *s, struct ge_doc *d, const struct ge_text_delta *delta);

#endif
