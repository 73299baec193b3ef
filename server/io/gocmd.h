/*
 * The go command lines goescape runs, shared by the server and `goescape check`, so both run
 * exactly the same analysis with the same (cache-friendly) flags and the same safe
 * environment: no shell, output to /dev/null, go.mod left alone, no downloads unless allowed.
 */
#ifndef GE_SERVER_GOCMD_H
#define GE_SERVER_GOCMD_H

#include "config.h"
#include "strv.h"

/* argv for `go build` (or `go test -c` when tests) over patterns (borrowed). modroot (may
 * be NULL) selects -mod=vendor or -mod=readonly; overlay (may be NULL) is an -overlay file.
 * Returns a new NULL-terminated list; free with ge_strv_free. */
char **ge_gocmd_build_argv(const struct ge_config *c, bool tests, const char *modroot,
                           const char *overlay, const char *const *patterns, size_t npatterns);
/* The process environment for the go command, as a new NULL-terminated list. */
char **ge_gocmd_env(const struct ge_config *c);

#endif
