/*
 * Companion mode (`goescape --gopls`): gopls runs as a child process and goescape serves both
 * over the client's one stdio connection. Client messages go to gopls as the client sent them
 * and gopls's answers come back unchanged, except where goescape has something to add:
 * initialize (capabilities), publishDiagnostics (per URI, gopls's list plus goescape's),
 * hover, inlayHint, codeLens and codeAction (both sides' results), executeCommand (routed by
 * command name). gopls's requests to the client get ids from goescape's own id space, so the
 * client's, gopls's and goescape's ids never collide. Runs on the loop thread only.
 */
#ifndef GE_SERVER_COMPANION_H
#define GE_SERVER_COMPANION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct ge_server;
struct ge_companion;

/* Times gopls is started again after it exits unasked, and the first wait (doubled each time). */
#define GE_COMPANION_RESTARTS_MAX 3
#define GE_COMPANION_BACKOFF_MS   500u
/* How long a stopping server waits for gopls to exit before it kills gopls's process group. */
#define GE_COMPANION_EXIT_MS 2000u
/* Longest wait, after gopls's guard exited, for the rest of its process group to be gone. */
#define GE_COMPANION_GROUP_GONE_MS 200u
/* Requests that may wait for gopls's answer at once (the client's, and goescape's own to
 * gopls). Past it a client request is answered at once with RequestFailed and not sent. */
#define GE_COMPANION_WAITING_MAX 1024u
/* Merged requests waiting for gopls whose goescape part is made as they come. Past it (gopls
 * is loading the workspace or slow, and an early part would likely be made again) the part is
 * made when gopls answers, so parts held while gopls works stay few. */
#define GE_COMPANION_EARLY_MAX 16u
/* gopls's requests that may wait for the client's answer at once. Past it gopls gets
 * RequestFailed for the new one, which does not reach the client. */
#define GE_COMPANION_ASKING_MAX 256u

/* Asks for companion mode in servers started from now on: path is the gopls to run (NULL:
 * "gopls" on PATH), argv the extra arguments (NULL-terminated; both borrowed for the life of
 * the process). */
void ge_companion_configure(const char *path, char **argv);
/* Creates the companion of s when companion mode was asked for (else returns NULL); gopls is
 * started at once. */
struct ge_companion *ge_companion_start(struct ge_server *s);
/* One message from the client (body borrowed). */
void ge_companion_from_client(struct ge_companion *c, const char *body, size_t len);
/* goescape publishes diagnostics (params borrowed): merged with gopls's for the same URI.
 * Returns true when the companion sent the message. */
bool ge_companion_own_diagnostics(struct ge_companion *c, json_t *params);
/* The server stops: gopls gets end of input, GE_COMPANION_EXIT_MS to exit, then SIGKILL. */
void ge_companion_stop(struct ge_companion *c);
/* companion_merge.c. Hover: gopls's markdown, a rule, goescape's section (either alone when
 * the other has none). */
json_t *ge_companion_merge_hover(json_t *theirs, json_t *ours);
/* inlayHint, codeLens, codeAction: gopls's items, then goescape's. */
json_t *ge_companion_merge_lists(json_t *theirs, json_t *ours);
/* initialize: gopls's capabilities with what only goescape has added, and both command
 * lists. */
json_t *ge_companion_merge_caps(json_t *theirs, json_t *ours);

/* companion_peek.c. The top level of a message: the id (new reference, an integer or a
 * string; NULL when absent or null), the method name, and which of method, result and error
 * it has. */
struct ge_companion_peek {
    json_t *id;
    const char *method; /* borrowed from the body, not NUL-terminated; NULL when absent or
                           when the name has an escape in it */
    size_t method_len;
    bool has_method;
    bool has_result;
    bool has_error;
};
/* Looks at body (borrowed) without decoding it. Returns 0, or -EBADMSG when it is not one
 * JSON object with balanced brackets and strings, or a top-level key has an escape in it (out
 * is then empty; the caller decodes the message instead). Pure. */
int ge_companion_peek(const char *body, size_t len, struct ge_companion_peek *out);

/* companion_diags.c. diags maps each URI to both sides' latest lists, kept as text.
 * goescape's list of a URI is kept only where keep(ctx, uri) says so (the open documents):
 * elsewhere only whether it is empty is kept, and a new list from gopls there needs goescape
 * to publish its list again. */
struct ge_strmap;
struct ge_transport;
typedef bool (*ge_companion_keep_cb)(void *ctx, const char *uri);
/* Takes the list of params (borrowed) as gopls's (ours false) or goescape's, and sends the
 * union of both lists for its URI on t, with the version of params when it has one. Returns
 * false, having kept gopls's list but sent nothing, when goescape's list is needed and was not
 * kept. */
bool ge_companion_diags_set(struct ge_strmap *diags, struct ge_transport *t, json_t *params,
                            bool ours, ge_companion_keep_cb keep, void *ctx);
/* The same for goescape's own list, from the body of a publishDiagnostics that goescape wrote
 * (borrowed), read without building a tree. Returns false, having done nothing, when the body
 * is not in the form goescape writes. */
bool ge_companion_diags_set_raw(struct ge_strmap *diags, struct ge_transport *t, const char *body,
                                size_t len, ge_companion_keep_cb keep, void *ctx);
/* Sends the union of uri as it is kept (goescape's part empty where it was not kept). */
void ge_companion_diags_flush(struct ge_strmap *diags, struct ge_transport *t, const char *uri);
/* How many unions of uri were sent so far. */
unsigned ge_companion_diags_sent(struct ge_strmap *diags, const char *uri);
/* goescape's own publishDiagnostics body (borrowed), as ge_companion_diags_set_raw takes it.
 * Returns true when the companion sent the merged message. */
bool ge_companion_own_framed(struct ge_companion *c, const char *body, size_t len);
/* gopls is gone: its lists are dropped, and each URI that had gopls diagnostics is sent
 * goescape's list alone. */
void ge_companion_diags_drop_gopls(struct ge_strmap *diags, struct ge_transport *t);
/* Frees every list and the map. */
void ge_companion_diags_free(struct ge_strmap *diags);

/* Frees what outlives the handles, after the loop has run dry. */
void ge_companion_free(struct ge_companion *c);

#endif
