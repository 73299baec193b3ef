/*
 * Handlers of the method table. A request handler returns 0 with a new result in
 * *result_new (NULL means JSON null), GE_REPLY_LATER when it kept the id to answer later, or a
 * negative errno: -EINVAL for bad params, -ENOENT for an unknown document, -ECANCELED,
 * anything else as an internal error. *err may point at a static or server-owned detail.
 * The dispatcher alone turns these into JSON-RPC errors.
 */
#ifndef GE_SERVER_METHODS_H
#define GE_SERVER_METHODS_H

#include <jansson.h>

struct ge_server;
struct ge_doc;
struct ge_file;

typedef int (*ge_request_fn)(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                             const char **err);
typedef void (*ge_notify_fn)(struct ge_server *s, json_t *params);

/* lifecycle.c */
int ge_m_initialize(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                    const char **err);
void ge_m_initialized(struct ge_server *s, json_t *params);
int ge_m_shutdown(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                  const char **err);
void ge_m_exit(struct ge_server *s, json_t *params);
void ge_m_did_change_configuration(struct ge_server *s, json_t *params);
void ge_m_did_change_folders(struct ge_server *s, json_t *params);
/* Asks the client for workspace/configuration (section goescape) when it supports it. */
void ge_pull_configuration(struct ge_server *s);
/* Applies a settings object and republishes everything the change affects. */
void ge_settings_changed(struct ge_server *s, json_t *settings, const char *source);

/* textsync.c */
void ge_m_did_open(struct ge_server *s, json_t *params);
void ge_m_did_change(struct ge_server *s, json_t *params);
void ge_m_did_save(struct ge_server *s, json_t *params);
void ge_m_did_close(struct ge_server *s, json_t *params);

/* hover.c, inlay.c, codelens.c, commands.c */
int ge_m_hover(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
               const char **err);
int ge_m_inlay_hint(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                    const char **err);
int ge_m_code_lens(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                   const char **err);
/* codeaction.c */
int ge_m_code_action(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                     const char **err);
/* goescape.showFlow [uri, line, character]: the flow of the escape there, as a message (and
 * the document at the escaping step, when the client can open one). */
int ge_cmd_show_flow(struct ge_server *s, json_t *args, json_t **result_new, const char **err);
int ge_m_execute_command(struct ge_server *s, json_t *id, json_t *params, json_t **result_new,
                         const char **err);

/* Shared by the feature handlers: the document and file of a textDocument param.
 * Returns 0, -EINVAL for malformed params, -ENOENT when the document is not open. */
int ge_params_doc(struct ge_server *s, json_t *params, struct ge_doc **doc, struct ge_file **file);

#endif
