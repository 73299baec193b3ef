/*
 * Packages and their files (workspace.c): which directory, module and import path a Go file
 * belongs to, and the record of each file with findings. The records live in
 * ge_server.files, keyed by path; the packages in ge_server.pkgs (struct ge_pkg, server.h).
 */
#ifndef GE_SERVER_WORKSPACE_H
#define GE_SERVER_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goescape/finding.h"

struct ge_server;
struct ge_pkg;
struct ge_blob;

/* One compile error in a file, shown only when reportBuildErrors is on. */
struct ge_build_error {
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based byte column, 0 when unknown */
    char *text;    /* owned */
};

/* A Go file of an analyzed package, with the findings that belong to it. */
struct ge_file {
    char *path; /* owned; also the key in ge_server.files */
    char *uri;  /* owned */
    struct ge_pkg *pkg;
    struct ge_finding_set set;     /* spans refer to the open document's text, or to disk */
    struct ge_blob *disk;          /* a reference: the text spans refer to when the file is not
                                      open (shared with an analysis that found it unchanged) */
    bool stale;                    /* findings from the last successful build; the current fails */
    bool republish;                /* republished when the republish timer fires */
    bool published;                /* the client has diagnostics of this file from us */
    bool published_empty;          /* ... and they are an empty list */
    uint64_t published_digest;     /* digest of those diagnostics' JSON */
    struct ge_build_error *errors; /* owned: compile errors of the failing build */
    size_t nerrors;
};

/* Finds or creates the package of an absolute file path. Returns NULL (and logs once) when
 * the file cannot be analyzed. */
struct ge_pkg *ge_pkg_for_file(struct ge_server *s, const char *path);
void ge_pkgs_free(struct ge_server *s);
/* Destroys pkg, which no document has open and no analysis holds (its record in the scheduler
 * is freed with it). */
void ge_pkg_destroy(struct ge_server *s, struct ge_pkg *pkg);
struct ge_file *ge_file_get(struct ge_server *s, struct ge_pkg *pkg, const char *path);
/* True when path names a _test.go file. */
bool ge_is_test_file(const char *path);
/* True when one of the package's known files is a _test.go file. */
bool ge_pkg_has_tests(const struct ge_pkg *pkg);
/* True when pkg's next full run compiles its test binary (go test -c): includeTests is on and
 * either diagnosticsScope is "package" or a _test.go file of pkg is open. */
bool ge_pkg_wants_tests(struct ge_server *s, const struct ge_pkg *pkg);
/* Module root of a directory: the nearest ancestor with go.mod, as a new string, or NULL. */
char *ge_find_modroot(const char *dir);
/* The module path declared in modroot/go.mod, as a new string, or NULL. */
char *ge_read_module_path(const char *modroot);

#endif
