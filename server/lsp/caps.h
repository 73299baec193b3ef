/*
 * What the client said it supports in initialize (lifecycle.c reads it). The renderers,
 * progress and the republish timer consult it to choose what they send.
 */
#ifndef GE_SERVER_CAPS_H
#define GE_SERVER_CAPS_H

#include <stdbool.h>

struct ge_client_caps {
    bool utf8;
    bool work_done_progress;
    bool configuration;
    bool inlay_refresh;
    bool codelens_refresh;
    bool related_information;
    bool hover_markdown;
    bool label_location; /* inlay hint label parts with locations */
    bool show_message;
    bool snippet_edits;    /* workspace.workspaceEdit.snippetEditSupport (LSP 3.18) */
    bool document_changes; /* workspace.workspaceEdit.documentChanges */
    bool show_document;    /* window.showDocument.support */
};

#endif
