/*
 * What the renderers share (render.c): publish.c, hover.c, inlay.c, codelens.c and
 * codeaction.c turn findings into what the client sees, and read only a narrow context for
 * it, never the whole server: the position encoding, the settings, the client's
 * capabilities, the hint toggle, and the tables that give the text of the file a flow step
 * points into. Here too: byte spans as LSP ranges, which findings are shown, and the markdown
 * explanation of one finding that hovers and inlay hint tooltips both carry.
 */
#ifndef GE_SERVER_RENDER_H
#define GE_SERVER_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "goescape/finding.h"
#include "goescape/text.h"

struct ge_server;
struct ge_config;
struct ge_client_caps;
struct ge_strmap;
struct ge_file;

/* Everything a renderer reads. All pointers are borrowed from the server, so a context lives
 * for one request or one publish step on the loop thread and is made again for the next. */
struct ge_render_ctx {
    enum ge_encoding enc;              /* the client's position encoding */
    const struct ge_config *config;    /* the settings */
    const struct ge_client_caps *caps; /* what the client said it supports */
    bool hints_enabled;                /* goescape.toggle */
    const struct ge_strmap *docs;      /* uri -> struct ge_doc*: the open documents */
    const struct ge_strmap *files;     /* path -> struct ge_file*: the files with findings */
};

/* The render context of s, borrowing from it. */
struct ge_render_ctx ge_render_ctx_of(const struct ge_server *s);
/* LSP range of a byte span in text, in the encoding enc. */
struct ge_range ge_span_range(enum ge_encoding enc, const char *text, size_t len,
                              struct ge_span span);
/* Inlay hints are on in the settings and not toggled off. */
bool ge_hints_on(const struct ge_render_ctx *r);
/* A heap escape of an enabled category, not suppressed by //goescape:ignore in text (the
 * text f's span refers to). */
bool ge_finding_shown(const struct ge_render_ctx *r, const struct ge_finding *f, const char *text,
                      size_t len);
/* Markdown explaining one finding of file (may be NULL): what, cause, numbered flow with
 * links, remedy (when hoverRemedies is on), and whether it is from the last successful build.
 * Returns a new string. */
char *ge_finding_markdown(const struct ge_render_ctx *r, const struct ge_file *file,
                          const struct ge_finding *f);

#endif
