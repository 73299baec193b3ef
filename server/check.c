/*
 * `goescape check`: lists the target packages with `go list`, runs one go command per module
 * over them (the same command line the server uses), and prints the findings as text or JSON.
 * Child processes run through the same job code as in the server, on a private loop.
 */
#include "check.h"

#include "config.h"
#include "fileio.h"
#include "gocmd.h"
#include "job.h"
#include "log.h"
#include "goescape/finding.h"
#include "goescape/report.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct check_pkg {
    char *import_path;
    char *dir;
    char *modroot; /* NULL for the standard library */
    char **files;  /* base names */
    size_t nfiles;
};

struct check {
    struct ge_config config;
    bool json;
    bool all;
    char cwd[PATH_MAX];
    struct check_pkg *pkgs;
    size_t npkgs;
    json_t *findings; /* JSON objects, printed at the end */
    json_t *errors;
    bool failed;
    char *text; /* owned: the file read_source returned last */
};

static int run_go(struct check *c, char **argv, const char *cwd, struct ge_job *job,
                  struct ge_parser *parser);

static void job_done(struct ge_job *job)
{
    (void)job;
}

static void job_output(struct ge_job *job, const char *data, size_t len)
{
    ge_parse_feed(job->data, data, len);
}

/* Runs argv to completion on a private loop; job holds the output afterwards, unless parser
 * is given: then stderr goes through it as it arrives. */
static int run_go(struct check *c, char **argv, const char *cwd, struct ge_job *job,
                  struct ge_parser *parser)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char **env = ge_gocmd_env(&c->config);
    struct ge_job_spec spec = {
        .argv = (const char *const *)argv,
        .env = (const char *const *)env,
        .cwd = cwd,
        .timeout_ms = c->config.timeout_ms,
        .on_stderr = parser != NULL ? job_output : NULL,
    };
    job->data = parser;
    ge_job_start(job, &loop, &spec, job_done);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    ge_strv_free(env);
    if (job->spawn_error != 0) {
        fprintf(stderr, "goescape: cannot run %s: %s\n", argv[0],
                job->spawn_error == UV_ENOENT ? "command not found; install Go or pass --go"
                                              : uv_strerror(job->spawn_error));
        return job->spawn_error;
    }
    return 0;
}

static void add_string_list(json_t *arr, char ***out, size_t *n)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            ge_strv_push(out, n, ge_xstrdup(json_string_value(v)));
    }
}

static void add_package(struct check *c, json_t *obj)
{
    const char *ip = json_string_value(json_object_get(obj, "ImportPath"));
    const char *dir = json_string_value(json_object_get(obj, "Dir"));
    json_t *err = json_object_get(obj, "Error");
    if (err != NULL) {
        const char *text = json_string_value(json_object_get(err, "Err"));
        json_array_append_new(c->errors, json_string(text ? text : "go list failed"));
        fprintf(stderr, "goescape: %s\n", text ? text : "go list failed");
        c->failed = true;
    }
    if (ip == NULL || dir == NULL)
        return;
    c->pkgs = ge_xrealloc(c->pkgs, (c->npkgs + 1) * sizeof *c->pkgs);
    struct check_pkg *p = &c->pkgs[c->npkgs++];
    *p = (struct check_pkg){.import_path = ge_xstrdup(ip), .dir = ge_xstrdup(dir)};
    const char *mod = json_string_value(json_object_get(json_object_get(obj, "Module"), "Dir"));
    p->modroot = mod ? ge_xstrdup(mod) : NULL;
    static const char *const lists[] = {"GoFiles", "CgoFiles", "TestGoFiles", "XTestGoFiles"};
    for (size_t i = 0; i < GE_ARRAY_SIZE(lists); i++)
        add_string_list(json_object_get(obj, lists[i]), &p->files, &p->nfiles);
}

static int list_packages(struct check *c, char **targets, size_t ntargets)
{
    char **argv = NULL;
    size_t n = 0;
    ge_strv_push(&argv, &n, ge_xstrdup(c->config.go_binary));
    ge_strv_push(&argv, &n, ge_xstrdup("list"));
    ge_strv_push(&argv, &n, ge_xstrdup("-e"));
    ge_strv_push(&argv, &n,
                 ge_xstrdup("-json=ImportPath,Dir,Module,Error,GoFiles,CgoFiles,TestGoFiles,"
                            "XTestGoFiles"));
    for (char **f = c->config.build_flags; *f; f++)
        ge_strv_push(&argv, &n, ge_xstrdup(*f));
    for (size_t i = 0; i < ntargets; i++)
        ge_strv_push(&argv, &n, ge_xstrdup(targets[i]));
    struct ge_job job = {0};
    int rc = run_go(c, argv, c->cwd, &job, NULL);
    ge_strv_free(argv);
    if (rc == 0 && !ge_job_succeeded(&job) && job.out.len == 0) {
        fprintf(stderr, "%.*s", (int)job.err.len, job.err.data ? job.err.data : "");
        rc = -EINVAL;
    }
    size_t off = 0;
    while (rc == 0 && off < job.out.len) {
        json_error_t jerr;
        json_t *obj =
            json_loadb(job.out.data + off, job.out.len - off, JSON_DISABLE_EOF_CHECK, &jerr);
        if (obj == NULL)
            break;
        add_package(c, obj);
        json_decref(obj);
        off += jerr.position;
        while (off < job.out.len && (job.out.data[off] == '\n' || job.out.data[off] == ' '))
            off++;
    }
    ge_buf_free(&job.out);
    ge_buf_free(&job.err);
    return rc;
}

/* The text source for range finding: one file at a time, kept until the next call. */
static int read_source(void *ctx, const char *path, const char **text, size_t *len)
{
    struct check *c = ctx;
    free(c->text);
    c->text = ge_file_read(path, GE_TEXT_MAX, len);
    if (c->text == NULL)
        return errno ? -errno : -EIO;
    *text = c->text;
    return 0;
}

static const char *display_path(const struct check *c, const char *path)
{
    size_t n = strlen(c->cwd);
    if (strncmp(path, c->cwd, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

/* Line and 1-based byte column of a byte offset. */
static void line_col(const char *text, size_t len, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1;
    size_t start = 0;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            l++;
            start = i + 1;
        }
    }
    *line = l;
    *col = (unsigned)(off - start + 1);
}

static void collect(struct check *c, const struct ge_finding_set *set)
{
    struct ge_buf msg;
    ge_buf_init(&msg, GE_MESSAGE_MAX);
    for (size_t i = 0; i < set->count; i++) {
        const struct ge_finding *f = &set->items[i];
        if (!c->all && !ge_category_is_heap(f->category))
            continue;
        const char *text;
        size_t len;
        unsigned l1 = f->line, c1 = f->col, l2 = f->line, c2 = f->col;
        if (read_source(c, f->path, &text, &len) == 0) {
            line_col(text, len, f->span.start, &l1, &c1);
            line_col(text, len, f->span.end, &l2, &c2);
        }
        json_t *flow = json_array();
        for (size_t k = 0; k < f->nsteps; k++)
            json_array_append_new(
                flow, json_pack("{s:s, s:s?, s:i, s:i}", "message", f->steps[k].message, "file",
                                f->steps[k].path ? display_path(c, f->steps[k].path) : NULL, "line",
                                f->steps[k].line, "column", f->steps[k].col));
        json_array_append_new(
            c->findings, json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:o}", "file",
                                   display_path(c, f->path), "line", l1, "column", c1, "endLine",
                                   l2, "endColumn", c2, "category", ge_category_name(f->category),
                                   "subject", f->subject, "cause", f->cause ? f->cause : "",
                                   "message", ge_finding_message(f, &msg), "flow", flow));
    }
    ge_buf_free(&msg);
}

static void report_errors(struct check *c, const struct ge_report *r)
{
    for (size_t i = 0; i < r->nothers; i++) {
        const struct ge_report_line *l = &r->others[i];
        char *line = l->file ? ge_xasprintf("%s:%u:%u: %s", l->file, l->line, l->col, l->text)
                             : ge_xstrdup(l->text);
        json_array_append_new(c->errors, json_string(line));
        fprintf(stderr, "%s\n", line);
        free(line);
    }
}

/* One go command for every package of one module (or of the standard library). */
static int analyze_group(struct check *c, struct ge_parser *parser, const char *modroot)
{
    const char **patterns = ge_xmalloc((c->npkgs + 1) * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < c->npkgs; i++)
        if ((modroot == NULL) == (c->pkgs[i].modroot == NULL) &&
            (modroot == NULL || strcmp(modroot, c->pkgs[i].modroot) == 0))
            patterns[n++] = c->pkgs[i].import_path;
    char **argv =
        ge_gocmd_build_argv(&c->config, c->config.include_tests, modroot, NULL, patterns, n);
    free(patterns);
    struct ge_job job = {0};
    ge_parse_begin(parser);
    int rc = run_go(c, argv, modroot ? modroot : c->cwd, &job, parser);
    ge_strv_free(argv);
    struct ge_report *report = NULL;
    ge_parse_end(parser, &report);
    if (rc != 0) {
        ge_report_destroy(report);
        report = NULL;
    }
    if (report != NULL && !ge_job_succeeded(&job)) {
        c->failed = true;
        report_errors(c, report);
        if (report->nothers == 0)
            fprintf(stderr, "goescape: the go command failed (status %lld)\n",
                    (long long)job.exit_status);
    }
    for (size_t i = 0; report != NULL && i < c->npkgs; i++) {
        struct check_pkg *p = &c->pkgs[i];
        if ((modroot == NULL) != (p->modroot == NULL) ||
            (modroot != NULL && strcmp(modroot, p->modroot) != 0))
            continue;
        struct ge_pkg_filter filter = {.import_path = p->import_path,
                                       .dir = p->dir,
                                       .files = (const char *const *)p->files,
                                       .nfiles = p->nfiles,
                                       .cwd = modroot ? modroot : c->cwd};
        struct ge_finding_set set = {0};
        ge_findings_build(report, &filter, read_source, c, &set);
        collect(c, &set);
        ge_finding_set_free(&set);
    }
    if (report != NULL)
        ge_report_destroy(report);
    ge_buf_free(&job.out);
    ge_buf_free(&job.err);
    return rc;
}

static void print_text(struct check *c)
{
    size_t i;
    json_t *f;
    json_array_foreach(c->findings, i, f)
    {
        printf("%s:%lld:%lld: %s: %s\n", json_string_value(json_object_get(f, "file")),
               json_integer_value(json_object_get(f, "line")),
               json_integer_value(json_object_get(f, "column")),
               json_string_value(json_object_get(f, "category")),
               json_string_value(json_object_get(f, "message")));
    }
}

static int parse_args(struct check *c, int argc, char **argv, char ***targets, size_t *n)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--format") == 0 && i + 1 < argc) {
            a = argv[++i];
            if (strcmp(a, "json") != 0 && strcmp(a, "text") != 0)
                return -EINVAL;
            c->json = strcmp(a, "json") == 0;
        } else if (strcmp(a, "--format=json") == 0 || strcmp(a, "--json") == 0) {
            c->json = true;
        } else if (strcmp(a, "--format=text") == 0) {
            c->json = false;
        } else if (strcmp(a, "--no-tests") == 0) {
            c->config.include_tests = false;
        } else if (strcmp(a, "--all") == 0) {
            c->all = true;
        } else if (strcmp(a, "--go") == 0 && i + 1 < argc) {
            free(c->config.go_binary);
            c->config.go_binary = ge_xstrdup(argv[++i]);
        } else if (strcmp(a, "--tags") == 0 && i + 1 < argc) {
            size_t k = 0;
            while (c->config.build_flags[k])
                k++;
            ge_strv_push(&c->config.build_flags, &k, ge_xasprintf("-tags=%s", argv[++i]));
        } else if (a[0] == '-' && a[1] != '\0') {
            return -EINVAL;
        } else {
            ge_strv_push(targets, n, ge_xstrdup(a));
        }
    }
    if (*n == 0)
        ge_strv_push(targets, n, ge_xstrdup("."));
    return 0;
}

int ge_check_main(int argc, char **argv)
{
    struct check c = {.findings = json_array(), .errors = json_array()};
    ge_config_init(&c.config);
    ge_log_set_level(GE_LOG_ERROR);
    char **targets = NULL;
    size_t ntargets = 0;
    int status = 0;
    struct ge_parser *parser = NULL;
    if (getcwd(c.cwd, sizeof c.cwd) == NULL ||
        parse_args(&c, argc, argv, &targets, &ntargets) != 0) {
        fprintf(stderr, "usage: goescape check [--format text|json] [--no-tests] [--all] "
                        "[--go PATH] [--tags TAGS] [DIR|PATTERN...]\n");
        status = 2;
        goto out;
    }
    if (ge_parser_create(&parser) != 0 || list_packages(&c, targets, ntargets) != 0) {
        status = 1;
        goto out;
    }
    for (size_t i = 0; i < c.npkgs; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = (c.pkgs[i].modroot == NULL && c.pkgs[j].modroot == NULL) ||
                   (c.pkgs[i].modroot && c.pkgs[j].modroot &&
                    strcmp(c.pkgs[i].modroot, c.pkgs[j].modroot) == 0);
        if (!seen && analyze_group(&c, parser, c.pkgs[i].modroot) != 0)
            c.failed = true;
    }
    if (c.json) {
        json_t *doc = json_pack("{s:O, s:O}", "findings", c.findings, "errors", c.errors);
        json_dumpf(doc, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(doc);
    } else {
        print_text(&c);
    }
    status = c.failed ? 1 : 0;
out:
    if (parser != NULL)
        ge_parser_destroy(parser);
    ge_strv_free(targets);
    for (size_t i = 0; i < c.npkgs; i++) {
        free(c.pkgs[i].import_path);
        free(c.pkgs[i].dir);
        free(c.pkgs[i].modroot);
        ge_strv_free(c.pkgs[i].files);
    }
    free(c.pkgs);
    json_decref(c.findings);
    json_decref(c.errors);
    ge_config_free(&c.config);
    free(c.text);
    return status;
}
