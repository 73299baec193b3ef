/*
 * Building go command lines and environments.
 */
#include "io/gocmd.h"

#include "io/platform.h"
#include "strv.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static bool has_vendor(const char *modroot)
{
    char *p = ge_xasprintf("%s/vendor/modules.txt", modroot);
    bool yes = access(p, F_OK) == 0;
    free(p);
    return yes;
}

char **ge_gocmd_build_argv(const struct ge_config *c, bool tests, const char *modroot,
                           const char *overlay, const char *const *patterns, size_t npatterns)
{
    char **argv = NULL;
    size_t n = 0;
    ge_strv_push(&argv, &n, ge_xstrdup(c->go_binary));
    ge_strv_push(&argv, &n, ge_xstrdup(tests ? "test" : "build"));
    if (tests)
        ge_strv_push(&argv, &n, ge_xstrdup("-c"));
    ge_strv_push(&argv, &n, ge_xstrdup("-o"));
    ge_strv_push(&argv, &n, ge_xstrdup(ge_platform_null_device()));
    ge_strv_push(&argv, &n, ge_config_gcflags(c));
    if (modroot != NULL)
        ge_strv_push(&argv, &n, ge_xstrdup(has_vendor(modroot) ? "-mod=vendor" : "-mod=readonly"));
    for (char **f = c->build_flags; *f; f++)
        ge_strv_push(&argv, &n, ge_xstrdup(*f));
    if (overlay != NULL)
        ge_strv_push(&argv, &n, ge_xasprintf("-overlay=%s", overlay));
    for (size_t i = 0; i < npatterns; i++)
        ge_strv_push(&argv, &n, ge_xstrdup(patterns[i]));
    return argv;
}

/* Inherited variables that the server sets itself, or that the user's env setting replaces. */
static bool env_overridden(const struct ge_config *c, const char *kv)
{
    size_t klen = strcspn(kv, "=");
    if (!c->allow_downloads && ((klen == 11 && strncmp(kv, "GOTOOLCHAIN", 11) == 0) ||
                                (klen == 7 && strncmp(kv, "GOPROXY", 7) == 0)))
        return true;
    for (char **e = c->env; *e; e++)
        if (strncmp(*e, kv, klen + 1) == 0)
            return true;
    return false;
}

char **ge_gocmd_env(const struct ge_config *c)
{
    char **env = NULL;
    size_t n = 0;
    for (char **e = environ; *e; e++)
        if (!env_overridden(c, *e))
            ge_strv_push(&env, &n, ge_xstrdup(*e));
    if (!c->allow_downloads) {
        ge_strv_push(&env, &n, ge_xstrdup("GOTOOLCHAIN=local"));
        ge_strv_push(&env, &n, ge_xstrdup("GOPROXY=off"));
    }
    for (char **e = c->env; *e; e++)
        ge_strv_push(&env, &n, ge_xstrdup(*e));
    return env;
}
