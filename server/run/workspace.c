/*
 * Packages: which directory, module and import path a file belongs to, and the per-file
 * finding records. A file maps to the nearest go.mod above it; the go command, started in
 * that module's root, finds a go.work above it by itself. A file outside any module is
 * analyzed alone, as the go command's command-line-arguments package.
 */
#include "run/workspace.h"

#include "server.h"
#include "lsp/documents.h"
#include "lsp/publish.h"

#include "io/fileio.h"
#include "io/log.h"
#include "run/scheduler.h"
#include "goescape/uri.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool ge_is_test_file(const char *path)
{
    size_t n = strlen(path);
    return n >= 8 && strcmp(path + n - 8, "_test.go") == 0;
}

bool ge_pkg_has_tests(const struct ge_pkg *pkg)
{
    for (char **p = pkg->files; p != NULL && *p != NULL; p++)
        if (ge_is_test_file(*p))
            return true;
    return false;
}

bool ge_pkg_wants_tests(struct ge_server *s, const struct ge_pkg *pkg)
{
    if (!s->config.include_tests)
        return false;
    if (s->config.diagnostics_scope == GE_SCOPE_PACKAGE)
        return true;
    size_t i = 0;
    const char *k;
    void *v;
    while (ge_strmap_next(&s->docs, &i, &k, &v)) {
        struct ge_doc *d = v;
        if (d->pkg == pkg && ge_is_test_file(d->path))
            return true;
    }
    return false;
}

char *ge_find_modroot(const char *dir)
{
    char *cur = ge_xstrdup(dir);
    for (;;) {
        char *mod = ge_xasprintf("%s/go.mod", cur);
        bool found = is_file(mod);
        free(mod);
        if (found)
            return cur;
        char *slash = strrchr(cur, '/');
        if (slash == NULL || slash == cur) {
            free(cur);
            return NULL;
        }
        *slash = '\0';
    }
}

char *ge_read_module_path(const char *modroot)
{
    char *path = ge_xasprintf("%s/go.mod", modroot);
    FILE *f = fopen(path, "r");
    free(path);
    if (f == NULL)
        return NULL;
    char line[4096];
    char *result = NULL;
    while (result == NULL && fgets(line, sizeof line, f) != NULL) {
        char *p = line + strspn(line, " \t");
        if (strncmp(p, "module", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
            continue;
        p += 6 + strspn(p + 6, " \t");
        bool quoted = *p == '"' || *p == '`';
        if (quoted)
            p++;
        size_t n = quoted ? strcspn(p, "\"`") : strcspn(p, " \t\r\n");
        if (n > 0)
            result = ge_xstrndup(p, n);
    }
    fclose(f);
    return result;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return ge_xstrdup("/");
    return ge_xstrndup(path, (size_t)(slash - path));
}

static void pkg_timer_closed(uv_handle_t *h)
{
    struct ge_pkg *pkg = h->data;
    ge_sched_pkg_destroy(pkg->server->sched, pkg->sched);
    free(pkg->key);
    free(pkg->dir);
    free(pkg->modroot);
    free(pkg->import_path);
    free(pkg->pattern);
    free(pkg->first_error);
    free(pkg->progress);
    if (pkg->files != NULL) {
        for (char **p = pkg->files; *p; p++)
            free(*p);
        free(pkg->files);
    }
    free(pkg);
}

static struct ge_pkg *pkg_new(struct ge_server *s, const char *key, const char *dir)
{
    struct ge_pkg *pkg = ge_xcalloc(1, sizeof *pkg);
    pkg->server = s;
    pkg->key = ge_xstrdup(key);
    pkg->dir = ge_xstrdup(dir);
    uv_timer_init(s->loop, &pkg->debounce);
    pkg->debounce.data = pkg;
    pkg->files = ge_xcalloc(1, sizeof(char *));
    ge_strmap_put(&s->pkgs, key, pkg);
    return pkg;
}

/* Import path of dir inside a module: the module path plus the relative directory. */
static void set_module_pkg(struct ge_pkg *pkg, const char *modroot, const char *modpath)
{
    size_t n = strlen(modroot);
    const char *rel = pkg->dir + n;
    if (*rel == '/')
        rel++;
    pkg->modroot = ge_xstrdup(modroot);
    /* The standard library's module is "std", and its import paths carry no prefix. */
    if (strcmp(modpath, "std") == 0 && *rel)
        pkg->import_path = ge_xstrdup(rel);
    else
        pkg->import_path = *rel ? ge_xasprintf("%s/%s", modpath, rel) : ge_xstrdup(modpath);
    pkg->pattern = *rel ? ge_xasprintf("./%s", rel) : ge_xstrdup(".");
}

struct ge_pkg *ge_pkg_for_file(struct ge_server *s, const char *path)
{
    char *dir = dir_of(path);
    struct ge_pkg *pkg = ge_strmap_get(&s->pkgs, dir);
    if (pkg == NULL)
        pkg = ge_strmap_get(&s->pkgs, path);
    if (pkg != NULL) {
        free(dir);
        return pkg;
    }
    char *modroot = ge_find_modroot(dir);
    char *modpath = modroot ? ge_read_module_path(modroot) : NULL;
    if (modroot != NULL && modpath == NULL) {
        ge_log_warn("%s/go.mod has no module line; %s is not analyzed", modroot, path);
    } else if (modroot != NULL) {
        pkg = pkg_new(s, dir, dir);
        set_module_pkg(pkg, modroot, modpath);
    } else {
        /* Outside any module: the file alone, as command-line-arguments. */
        pkg = pkg_new(s, path, dir);
        pkg->import_path = ge_xstrdup("command-line-arguments");
        const char *base = strrchr(path, '/');
        pkg->pattern = ge_xstrdup(base ? base + 1 : path);
        ge_log_info("%s is outside any module; analyzing it as a single file", path);
    }
    if (pkg != NULL)
        pkg->sched = ge_sched_pkg_create(s->sched, pkg, pkg->modroot, pkg->import_path);
    free(modroot);
    free(modpath);
    free(dir);
    return pkg;
}

struct ge_file *ge_file_get(struct ge_server *s, struct ge_pkg *pkg, const char *path)
{
    struct ge_file *f = ge_strmap_get(&s->files, path);
    if (f != NULL)
        return f;
    f = ge_xcalloc(1, sizeof *f);
    f->path = ge_xstrdup(path);
    /* Publish under the URI the client opened the file with, whatever its escaping. */
    struct ge_doc *d = ge_doc_for_path(s, path);
    f->uri = d != NULL ? ge_xstrdup(d->uri) : ge_uri_from_path(path);
    f->pkg = pkg;
    ge_strmap_put(&s->files, path, f);
    size_t n = 0;
    while (pkg->files[n] != NULL)
        n++;
    pkg->files = ge_xrealloc(pkg->files, (n + 2) * sizeof(char *));
    pkg->files[n] = ge_xstrdup(path);
    pkg->files[n + 1] = NULL;
    return f;
}

static void file_destroy(struct ge_file *f)
{
    ge_finding_set_free(&f->set);
    free(f->path);
    free(f->uri);
    ge_blob_unref(f->disk);
    ge_file_set_errors(f, NULL, 0);
    free(f);
}

void ge_pkg_destroy(struct ge_server *s, struct ge_pkg *pkg)
{
    ge_server_changed(s);
    for (char **p = pkg->files; *p; p++) {
        struct ge_file *f = ge_strmap_del(&s->files, *p);
        if (f != NULL)
            file_destroy(f);
    }
    ge_strmap_del(&s->pkgs, pkg->key);
    uv_close((uv_handle_t *)&pkg->debounce, pkg_timer_closed);
}

void ge_pkgs_free(struct ge_server *s)
{
    size_t i = 0;
    const char *k;
    void *v;
    while (ge_strmap_next(&s->pkgs, &i, &k, &v))
        ge_pkg_destroy(s, v);
}
