/*
 * Telling the user what the analysis is doing: LSP work-done progress (when the client
 * supports it) and the goescape/status notification that status bars read.
 */
#ifndef GE_SERVER_PROGRESS_H
#define GE_SERVER_PROGRESS_H

struct ge_server;
struct ge_pkg;

/* "Escape analysis: <package>" */
void ge_progress_begin(struct ge_server *s, struct ge_pkg *pkg);
/* Tells what the analysis is doing now (message borrowed, e.g. "building dependencies…"):
 * a work-done progress report and an "analyzing" status. */
void ge_progress_report(struct ge_server *s, struct ge_pkg *pkg, const char *message);
/* Ends the progress with message (borrowed), e.g. "12 heap escapes" or "build failed: ...",
 * and sends the package's status. */
void ge_progress_end(struct ge_server *s, struct ge_pkg *pkg, const char *message);
/* Sends pkg's status again with the counts of what is shown now, after something other than
 * an analysis changed it: a document opened, or the settings changed. Does nothing
 * while an analysis of pkg waits or runs, while pkg is failing, or before its first analysis. */
void ge_progress_refresh(struct ge_server *s, struct ge_pkg *pkg);

#endif
