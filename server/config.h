/*
 * The server's settings (see docs/lsp.md), read from initializationOptions,
 * workspace/didChangeConfiguration and workspace/configuration. Each source may be either
 * {"goescape": {...}} or the flat object. Unknown keys are ignored; a key with the wrong type
 * is reported and keeps its previous value.
 */
#ifndef GE_SERVER_CONFIG_H
#define GE_SERVER_CONFIG_H

#include <jansson.h>

#include "goescape/finding.h"

enum ge_analyze_on { GE_ANALYZE_SAVE, GE_ANALYZE_OPEN, GE_ANALYZE_TYPE };
/* Which files get diagnostics, code lenses and status counts: the open documents only, or
 * every file of a package that has an open document. With GE_SCOPE_OPEN the test binary is
 * compiled only while a _test.go file of the package is open. */
enum ge_diag_scope { GE_SCOPE_OPEN, GE_SCOPE_PACKAGE };

struct ge_config {
    bool categories[GE_CAT_COUNT];
    int severity[GE_CAT_COUNT]; /* LSP DiagnosticSeverity 1..4 */
    bool inlay_hints;
    bool code_lens;
    bool hover_remedies;
    enum ge_analyze_on analyze_on;
    uint64_t debounce_ms;
    char *go_binary;      /* owned */
    char **build_flags;   /* owned, NULL-terminated */
    char **env;           /* owned, NULL-terminated "K=V" */
    char **extra_gcflags; /* owned, NULL-terminated */
    bool include_tests;
    enum ge_diag_scope diagnostics_scope;
    uint64_t timeout_ms;    /* a run with no output and no CPU time for this long is stopped */
    uint64_t compiler_nice; /* nice value of the go command and its compilers, 0..19 */
    bool report_build_errors;
    bool allow_downloads;
};

void ge_config_init(struct ge_config *c);
void ge_config_free(struct ge_config *c);

/* Applies the settings in obj (borrowed). Returns 0, or -EINVAL when some keys were rejected;
 * *problems_new then holds a new string naming them (free it). The accepted keys are applied
 * either way. */
int ge_config_apply(struct ge_config *c, json_t *obj, char **problems_new);

/* Every setting (name, JSON type, default, description, and for some "enum" or "maximum") and
 * every finding category (name, heap, default, severity, description), as
 * {"settings": [...], "categories": [...], "severities": [...]}: what `goescape
 * --print-settings` prints. Returns a new value. */
json_t *ge_config_describe(void);

/* The -gcflags value the go command gets: stable for a given configuration, so the build
 * cache keeps hitting. Returns a new string. */
char *ge_config_gcflags(const struct ge_config *c);

/* A string that changes exactly when a setting that changes the go command's results changes
 * (goBinary, buildFlags, env, extraGcflags, includeTests, allowModuleDownloads), or which
 * go command runs (diagnosticsScope decides whether test files are compiled). New. */
char *ge_config_fingerprint(const struct ge_config *c);

#endif
