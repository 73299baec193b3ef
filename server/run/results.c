/*
 * The second half of an analysis. On the loop, while the go command runs: feed its output to
 * the parser as it arrives, so it is never held whole. On the thread pool: end the parse, list
 * the package directories, and place the findings in the texts the compiler saw; the run's
 * parsed hook follows on the loop. apply.c and deliver.c take it from there.
 */
#include "run/run.h"
#include "run/workspace.h"

#include "io/fileio.h"
#include "strv.h"
#include "io/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parsers are expensive to build and single-threaded, so workers share a small pool. */
#define GE_PARSER_POOL 8
static uv_mutex_t pool_lock;
static uv_once_t pool_once = UV_ONCE_INIT;
static struct ge_parser *pool[GE_PARSER_POOL];
static int pool_n;

static void pool_init(void)
{
    uv_mutex_init(&pool_lock);
}

static struct ge_parser *parser_take(void)
{
    struct ge_parser *p = NULL;
    uv_once(&pool_once, pool_init);
    uv_mutex_lock(&pool_lock);
    if (pool_n > 0)
        p = pool[--pool_n];
    uv_mutex_unlock(&pool_lock);
    if (p == NULL && ge_parser_create(&p) != 0)
        p = NULL;
    return p;
}

static void parser_give(struct ge_parser *p)
{
    uv_mutex_lock(&pool_lock);
    if (pool_n < GE_PARSER_POOL) {
        pool[pool_n++] = p;
        p = NULL;
    }
    uv_mutex_unlock(&pool_lock);
    if (p != NULL)
        ge_parser_destroy(p);
}

/* The text source for range finding: the snapshot of an open document, else the disk. */
static int run_text(void *ctx, const char *path, const char **text, size_t *len)
{
    struct ge_run *run = ctx;
    for (size_t i = 0; i < run->nsnaps; i++) {
        if (strcmp(run->snaps[i].path, path) == 0) {
            *text = run->snaps[i].text;
            *len = run->snaps[i].len;
            return 0;
        }
    }
    struct ge_run_text *t = NULL;
    for (size_t i = 0; i < run->ntexts && t == NULL; i++)
        if (strcmp(run->texts[i].path, path) == 0)
            t = &run->texts[i];
    if (t == NULL)
        t = ge_run_text_add(run, path, NULL);
    if (!t->checked) {
        t->checked = true;
        /* The text of the last analysis serves again while the disk holds it. */
        if (t->blob == NULL || !ge_file_holds(path, t->blob->data, t->blob->len)) {
            ge_blob_unref(t->blob);
            t->blob = ge_blob_read(path, GE_TEXT_MAX);
            run->texts_read++;
        } else {
            run->texts_kept++;
        }
    }
    if (t->blob == NULL)
        return -EIO;
    *text = t->blob->data;
    *len = t->blob->len;
    return 0;
}

struct ge_run_text *ge_run_text_add(struct ge_run *run, const char *path, struct ge_blob *blob)
{
    if (run->ntexts == run->cap_texts) {
        run->cap_texts = run->cap_texts ? run->cap_texts * 2 : 16;
        run->texts = ge_xrealloc(run->texts, run->cap_texts * sizeof *run->texts);
    }
    struct ge_run_text *t = &run->texts[run->ntexts++];
    *t = (struct ge_run_text){.path = ge_xstrdup(path), .blob = blob};
    return t;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Base names of the .go files in dir (a single-file package has just its file). */
/* Appends name to the NULL-terminated names. */
static void add_name(char ***names, size_t *n, const char *name)
{
    *names = ge_xrealloc(*names, (*n + 2) * sizeof(char *));
    (*names)[(*n)++] = ge_xstrdup(name);
    (*names)[*n] = NULL;
}

/* The Go files of the package: those in its directory, and the open documents in it that
 * the run compiled from their buffers (a file deleted on disk while open is one). */
static char **list_go_files(const struct ge_run *run, const struct ge_pkg *pkg, size_t *count)
{
    char **names = NULL;
    size_t n = 0;
    if (pkg->modroot == NULL) {
        names = ge_xcalloc(2, sizeof(char *));
        names[n++] = ge_xstrdup(pkg->pattern);
        *count = n;
        return names;
    }
    DIR *d = opendir(pkg->dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".go") != 0 || e->d_name[0] == '.' ||
            e->d_name[0] == '_')
            continue;
        add_name(&names, &n, e->d_name);
    }
    if (d != NULL)
        closedir(d);
    size_t dirlen = strlen(pkg->dir);
    for (size_t i = 0; i < run->nsnaps; i++) {
        const char *path = run->snaps[i].path;
        if (strncmp(path, pkg->dir, dirlen) != 0 || path[dirlen] != '/' ||
            strchr(path + dirlen + 1, '/') != NULL)
            continue;
        bool listed = false; /* the directory has it, unless it was deleted */
        for (size_t k = 0; k < n && !listed; k++)
            listed = strcmp(names[k], path + dirlen + 1) == 0;
        if (!listed)
            add_name(&names, &n, path + dirlen + 1);
    }
    if (names == NULL)
        names = ge_xcalloc(1, sizeof(char *));
    qsort(names, n, sizeof(char *), cmp_str);
    *count = n;
    return names;
}

static bool header_matches(const char *pkg, const char *import_path)
{
    size_t n = strlen(import_path);
    return pkg != NULL && strncmp(pkg, import_path, n) == 0 &&
           (pkg[n] == '\0' || strcmp(pkg + n, "_test") == 0);
}

static char *format_line(const struct ge_report_line *l)
{
    if (l->file == NULL)
        return ge_xstrdup(l->text);
    const char *base = strrchr(l->file, '/');
    base = base ? base + 1 : l->file;
    if (l->col > 0)
        return ge_xasprintf("%s:%u:%u: %s", base, l->line, l->col, l->text);
    return ge_xasprintf("%s:%u: %s", base, l->line, l->text);
}

/* Keeps an error line whose file is one of the package's files, for reportBuildErrors. */
static void add_error(struct ge_run_result *res, const struct ge_pkg *pkg,
                      const struct ge_report_line *l)
{
    if (l->file == NULL || l->line == 0)
        return;
    const char *base = strrchr(l->file, '/');
    base = base ? base + 1 : l->file;
    for (char **p = res->paths; p && *p; p++) {
        const char *pb = strrchr(*p, '/');
        if (strcmp(pb ? pb + 1 : *p, base) != 0)
            continue;
        size_t n = res->nerrors;
        res->errors = ge_xrealloc(res->errors, (n + 1) * sizeof *res->errors);
        res->errors[n] =
            (struct ge_build_error){.line = l->line, .col = l->col, .text = ge_xstrdup(l->text)};
        ge_strv_push(&res->error_paths, &res->nerrors, ge_xstrdup(*p));
        (void)pkg;
        return;
    }
}

static void place_package(struct ge_run *run, const struct ge_report *report, size_t idx)
{
    const struct ge_pkg *pkg = run->pkgs[idx];
    struct ge_run_result *res = &run->results[idx];
    size_t nfiles = 0;
    char **names = list_go_files(run, pkg, &nfiles);
    struct ge_pkg_filter filter = {
        .import_path = pkg->import_path,
        .dir = pkg->dir,
        .files = (const char *const *)names,
        .nfiles = nfiles,
        .cwd = run->cwd,
    };
    res->paths = ge_xcalloc(nfiles + 1, sizeof(char *));
    res->sets = ge_xcalloc(nfiles ? nfiles : 1, sizeof *res->sets);
    ge_findings_build_files(report, &filter, run_text, run, res->sets);
    for (size_t i = 0; i < nfiles; i++) {
        res->paths[i] = ge_xasprintf("%s/%s", pkg->dir, names[i]);
        free(names[i]);
    }
    free(names);
    for (size_t i = 0; i < report->nfacts && !res->has_block; i++)
        res->has_block = header_matches(report->facts[i].pkg, pkg->import_path);
    for (size_t i = 0; i < report->nothers; i++) {
        const struct ge_report_line *l = &report->others[i];
        if (header_matches(l->pkg, pkg->import_path)) {
            res->has_block = true;
            if (res->first_error == NULL && l->file != NULL)
                res->first_error = format_line(l);
            add_error(res, pkg, l);
        }
    }
}

void ge_run_stream_begin(struct ge_run *run)
{
    run->parser = parser_take();
    if (run->parser != NULL)
        ge_parse_begin(run->parser);
}

void ge_run_on_output(struct ge_job *job, const char *data, size_t len)
{
    struct ge_run *run = job->data;
    if (run->parser != NULL && !run->cancelled)
        ge_parse_feed(run->parser, data, len);
}

void ge_run_stream_drop(struct ge_run *run)
{
    if (run->parser == NULL)
        return;
    ge_parse_abort(run->parser);
    parser_give(run->parser);
    run->parser = NULL;
}

/* Ends the parse and places the findings; runs on the thread pool and touches only run. */
static void work(uv_work_t *req)
{
    struct ge_run *run = req->data;
    struct ge_report *report = NULL;
    run->results = ge_xcalloc(run->npkgs, sizeof *run->results);
    if (run->parser == NULL)
        return;
    ge_parse_end(run->parser, &report);
    parser_give(run->parser);
    run->parser = NULL;
    run->nfacts = report->nfacts;
    for (size_t i = 0; i < report->nothers; i++) {
        const struct ge_report_line *l = &report->others[i];
        /* "go: downloading m v1" says what the go command tried, not why it failed. */
        bool chatter = strncmp(l->text, "go: downloading ", 16) == 0;
        if (run->first_error == NULL && !chatter &&
            (l->file != NULL || strncmp(l->text, "go: ", 4) == 0))
            run->first_error = format_line(l);
        if (run->first_unknown == NULL)
            run->first_unknown = format_line(l);
    }
    run->nunknown = report->nothers + report->ndropped;
    for (size_t i = 0; i < run->npkgs; i++)
        place_package(run, report, i);
    ge_report_destroy(report);
}

/* Lends the worker the disk texts the run's files hold now, so a text that did not change
 * is kept once rather than read again beside its old copy. */
static void lend_texts(struct ge_server *s, struct ge_run *run)
{
    size_t i = 0;
    const char *k;
    void *v;
    while (ge_strmap_next(&s->files, &i, &k, &v)) {
        struct ge_file *f = v;
        for (size_t p = 0; f->disk != NULL && p < run->npkgs; p++)
            if (f->pkg == run->pkgs[p])
                ge_run_text_add(run, f->path, ge_blob_ref(f->disk));
    }
}

static void work_done(uv_work_t *req, int status)
{
    struct ge_run *run = req->data;
    run->hooks->parsed(run, status);
}

void ge_run_parse(struct ge_run *run)
{
    struct ge_server *s = run->server;
    run->work.data = run;
    lend_texts(s, run);
    int rc = uv_queue_work(s->loop, &run->work, work, work_done);
    if (rc != 0) {
        ge_log_error("cannot queue the parse: %s", uv_strerror(rc));
        run->hooks->parsed(run, rc);
    }
}
