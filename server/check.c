/*
 * `goescape check`: lists the target packages with `go list`, runs one go command per module
 * over them (the same command line the server uses), and prints the findings as text or JSON,
 * package by package (check_emit.c). Child processes run through the same job code as in the
 * server, on a private loop. While the go command runs, its output is split into the blocks
 * each "# package" line opens and spooled to disk (check_internal.h says why).
 */
#include "check.h"
#include "check_internal.h"

#include "gocmd.h"
#include "job.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: goescape check [--format text|json] [--no-tests] [--all] [--go PATH]\n"
    "                      [--tags TAGS] [DIR|PATTERN...]\n";

static const char help[] =
    "\n"
    "Runs the Go compiler's escape analysis on the package in the current directory, or on\n"
    "the given directories and package patterns (./... for every package below), with the\n"
    "command the editor uses (go test -c -gcflags=-m=2, or go build with --no-tests), and\n"
    "prints each heap escape, package by package, sorted by package, file and position.\n"
    "\n"
    "Flags:\n"
    "  --format text  one line per heap escape: file:line:col: category: message (default)\n"
    "  --format json  one JSON document, {\"findings\": [...], \"errors\": [...]}; a finding has\n"
    "                 file, line, column, endLine, endColumn, category, subject, cause,\n"
    "                 message and flow (the steps to the heap: message, file, line, column)\n"
    "  --json         the same as --format json\n"
    "  --no-tests     leave out _test.go files (go build instead of go test -c)\n"
    "  --all          also print leaking parameters and values that do not escape\n"
    "  --go PATH      the go command to run (default: go from PATH)\n"
    "  --tags TAGS    build tags, comma-separated, as for go build -tags\n"
    "  -h, --help     print this help and exit\n"
    "Flags take their value as the next argument or after '='; \"--\" ends the flags.\n"
    "\n"
    "A goescape:ignore comment hides findings as in the editor: at the end of their line\n"
    "(\"x := f() // goescape:ignore: reason\"), or on the comment line just above it.\n"
    "Assertions are printed with the category \"assertion\": a goescape:noescape comment\n"
    "whose line (or function, in its doc comment) has a heap escape, a goescape:allow\n"
    "without a reason, and an assertion on no code the compiler reported on. The heap\n"
    "escapes that a goescape:allow comment with a reason accepts are not printed.\n"
    "\n"
    "Exit status:\n"
    "  0  the analysis ran (findings do not change the status)\n"
    "  1  a package could not be listed or built, or the go command could not run\n"
    "  2  bad usage: an unknown flag, or a flag's value missing or not allowed\n"
    "  3  an assertion is broken: a heap escape under goescape:noescape (or\n"
    "     gcassert:noescape), or a goescape:allow without a reason\n";

static void job_done(struct ge_job *job);

static void job_output(struct ge_job *job, const char *data, size_t len);

/* Runs argv to completion on a private loop; job holds the output afterwards, unless c is
 * given: then stderr is split into the spool as it arrives. */
static int run_go(struct check *c, char **argv, const char *cwd, struct ge_job *job, bool spool)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char **env = ge_gocmd_env(&c->config);
    struct ge_job_spec spec = {
        .argv = (const char *const *)argv,
        .env = (const char *const *)env,
        .cwd = cwd,
        .timeout_ms = c->config.timeout_ms,
        .on_stderr = spool ? job_output : NULL,
        .stderr_max = spool ? GE_CHECK_SPOOL_MAX : 0,
    };
    job->data = c;
    c->loop = spool ? &loop : NULL;
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
    size_t compiled = 0, go_files = 0;
    for (size_t i = 0; i < GE_ARRAY_SIZE(lists); i++) {
        add_string_list(json_object_get(obj, lists[i]), &p->files, &p->nfiles);
        if (i == 0)
            go_files = p->nfiles;
        if (i == 1 || (i == 3 && c->config.include_tests))
            compiled = p->nfiles;
        if (i == 1)
            p->cgo = p->nfiles > go_files;
    }
    /* Nothing to compile here (all files excluded by build constraints, or only test files
     * with --no-tests): skipped, as go build skips such packages that a pattern matches. */
    if (compiled == 0 && err == NULL) {
        free(p->import_path);
        free(p->dir);
        free(p->modroot);
        ge_strv_free(p->files);
        c->npkgs--;
    }
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
    int rc = run_go(c, argv, c->cwd, &job, false);
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

/* Appends output to the block being spooled. */
static void spool_block(struct check *c, const char *data, size_t len)
{
    int rc = c->block != NULL ? ge_check_spool_append(c, &c->block->ext, &c->block->next, data, len)
                              : ge_check_spool_append(c, &c->other, &c->nother, data, len);
    if (rc != 0 && c->spool_error == 0)
        c->spool_error = rc;
}

/* The package a "# pkg", "# pkg [pkg.test]" or "# pkg_test [pkg.test]" line opens, or NULL. */
static struct check_pkg *header_pkg(struct check *c, const char *line, size_t n)
{
    if (n < 3 || line[0] != '#' || line[1] != ' ')
        return NULL;
    size_t k = strcspn(line + 2, " \r\n");
    char *name = ge_xstrndup(line + 2, k);
    struct check_pkg *p = ge_strmap_get(&c->by_path, name);
    if (p == NULL && k > 5 && strcmp(name + k - 5, "_test") == 0) {
        name[k - 5] = '\0';
        p = ge_strmap_get(&c->by_path, name);
    }
    free(name);
    return p;
}

static void after_work(uv_work_t *req, int status);

/* Prints one package on the thread pool: to stdout when its turn has come, else to the output
 * spool, from which it is copied when the packages before it are out. */
static void work(uv_work_t *req)
{
    struct check *c = req->data;
    struct check_pkg *p = c->work_pkg;
    bool turn = c->next_print < c->norder && c->order[c->next_print] == p;
    c->out = turn ? stdout : c->outspool;
    c->out_spooled = !turn;
    p->out.off = c->outspool_size;
    ge_check_emit_pkg(c, p, p->ext, p->next);
    if (!turn) {
        fflush(c->outspool);
        long end = ftell(c->outspool);
        c->outspool_size = end > 0 ? (size_t)end : c->outspool_size;
        p->out.len = c->outspool_size - p->out.off;
        p->spooled = true;
    }
    p->done = true;
    ge_check_flush_ready(c);
}

static void start_next(struct check *c, uv_loop_t *loop)
{
    if (c->busy || c->qhead == c->qlen)
        return;
    c->work_pkg = c->queue[c->qhead++];
    c->busy = true;
    c->work.data = c;
    uv_queue_work(loop, &c->work, work, after_work);
}

static void after_work(uv_work_t *req, int status)
{
    struct check *c = req->data;
    (void)status;
    c->busy = false;
    start_next(c, req->loop);
}

/* Hands p to the worker; its output is complete. */
static void enqueue(struct check *c, uv_loop_t *loop, struct check_pkg *p)
{
    if (p == NULL || p->queued)
        return;
    p->queued = true;
    c->queue[c->qlen++] = p;
    start_next(c, loop);
}

/* A whole "#" line has arrived: it opens the next block, and under go build, the block before
 * was its package's last. */
static void end_header(struct check *c, uv_loop_t *loop)
{
    /* A cgo package can print a block for the C compiler's warnings before its own. */
    if (c->early && c->block != NULL && !c->block->cgo)
        enqueue(c, loop, c->block);
    c->block = header_pkg(c, c->header, c->header_len);
    if (c->block != NULL && c->block->queued) {
        /* go build prints a package once; more output for a package already printed cannot
         * join it any more. */
        if (!c->late_warned)
            fprintf(stderr, "goescape: more compiler output for %s after its block; left out\n",
                    c->block->import_path);
        c->late_warned = true;
        c->block = NULL;
    }
    spool_block(c, c->header, c->header_len);
    c->in_header = false;
    c->header_len = 0;
}

static void job_output(struct ge_job *job, const char *data, size_t len)
{
    struct check *c = job->data;
    ge_check_feeder_chunk(&c->feeder, data, len);
}

/* The go command is over: every package left goes to the worker, in print order. */
static void job_done(struct ge_job *job)
{
    struct check *c = job->data;
    if (c->loop == NULL)
        return; /* go list */
    ge_check_feeder_end(&c->feeder);
    if (c->in_header)
        end_header(c, job->loop);
    for (size_t i = 0; i < c->norder; i++)
        enqueue(c, job->loop, c->order[i]);
}

/* Splits the go command's stderr at the lines that start with '#', which open a package's
 * block, and spools each block for its package. Chunks may end anywhere, even in a header. */
static void split_output(void *ctx, const char *d, size_t n)
{
    struct check *c = ctx;
    size_t i = 0;
    while (i < n) {
        if (c->in_header) {
            const char *nl = memchr(d + i, '\n', n - i);
            size_t take = nl != NULL ? (size_t)(nl - (d + i)) + 1 : n - i;
            if (c->header_len + take > sizeof c->header) {
                /* Too long for a package line: it stays with the block before. */
                spool_block(c, c->header, c->header_len);
                c->in_header = false;
                c->header_len = 0;
                c->line_start = false;
                continue;
            }
            memcpy(c->header + c->header_len, d + i, take);
            c->header_len += take;
            i += take;
            if (nl != NULL) {
                end_header(c, c->loop);
                c->line_start = true;
            }
            continue;
        }
        if (c->line_start && d[i] == '#') {
            c->in_header = true;
            continue;
        }
        size_t j = i;
        for (;;) {
            const char *nl = memchr(d + j, '\n', n - j);
            j = nl != NULL ? (size_t)(nl - d) + 1 : n;
            if (nl == NULL || j == n || d[j] == '#')
                break;
        }
        spool_block(c, d + i, j - i);
        c->line_start = d[j - 1] == '\n';
        i = j;
    }
}

static bool same_module(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The end of one go command's run: its errors when it failed, and the reset of its state. */
static void finish_group(struct check *c, const struct ge_job *job, int rc)
{
    bool failed = rc != 0 || !ge_job_succeeded(job) || c->spool_error != 0;
    if (rc == 0 && failed) {
        c->failed = true;
        size_t before = c->nerrors;
        /* go's own messages first (a package it cannot find, a module error), then each
         * package's compiler errors. */
        ge_check_emit_pkg(c, NULL, c->other, c->nother);
        for (size_t i = 0; i < c->nheld; i++)
            ge_check_error(c, c->held[i]);
        if (job->output_capped)
            fprintf(stderr, "goescape: the go command printed more than %zu MB; stopped it\n",
                    GE_CHECK_SPOOL_MAX >> 20);
        else if (c->spool_error != 0)
            fprintf(stderr, "goescape: cannot keep the compiler output in a temporary file: %s\n",
                    strerror(-c->spool_error));
        else if (job->timed_out)
            fprintf(stderr, "goescape: the go command ran longer than %llu ms; stopped it\n",
                    (unsigned long long)c->config.timeout_ms);
        else if (c->nerrors == before)
            fprintf(stderr, "goescape: the go command failed (status %lld)\n",
                    (long long)job->exit_status);
    }
    for (size_t i = 0; i < c->nheld; i++)
        free(c->held[i]);
    free(c->held);
    c->held = NULL;
    c->nheld = 0;
    for (size_t i = 0; i < c->norder; i++) {
        free(c->order[i]->ext);
        c->order[i]->ext = NULL;
        c->order[i]->next = 0;
    }
    free(c->other);
    c->other = NULL;
    c->nother = 0;
}

/* One go command for every package of one module (or of the standard library). Packages are
 * printed on the thread pool as their output completes, while the command runs. */
static int analyze_group(struct check *c, const char *modroot)
{
    const char **patterns = ge_xmalloc((c->npkgs + 1) * sizeof(char *));
    c->order = ge_xrealloc(c->order, (c->npkgs + 1) * sizeof *c->order);
    c->queue = ge_xrealloc(c->queue, (c->npkgs + 1) * sizeof *c->queue);
    c->norder = c->next_print = c->qhead = c->qlen = 0;
    for (size_t i = 0; i < c->npkgs; i++) {
        if (!same_module(modroot, c->pkgs[i].modroot))
            continue;
        patterns[c->norder] = c->pkgs[i].import_path;
        c->order[c->norder++] = &c->pkgs[i];
    }
    char **argv = ge_gocmd_build_argv(&c->config, c->config.include_tests, modroot, NULL, patterns,
                                      c->norder);
    free(patterns);
    /* The spools are reused from the start for each go command. */
    if ((ftruncate(c->spool.fd, 0) != 0 || ftruncate(fileno(c->outspool), 0) != 0) &&
        c->spool_error == 0)
        c->spool_error = -errno;
    rewind(c->outspool);
    c->spool.size = c->outspool_size = 0;
    c->block = NULL;
    c->line_start = true;
    c->in_header = false;
    c->header_len = 0;
    c->early = !c->config.include_tests;
    ge_check_feeder_init(&c->feeder, &c->config, split_output, c);
    struct ge_job job = {0};
    int rc = run_go(c, argv, modroot ? modroot : c->cwd, &job, true);
    c->loop = NULL;
    ge_strv_free(argv);
    finish_group(c, &job, rc);
    ge_buf_free(&job.out);
    ge_buf_free(&job.err);
    return rc;
}

/* Reports a usage error and returns the exit status for it. */
static int bad_usage(const char *fmt, const char *a, const char *b)
{
    fputs("goescape check: ", stderr);
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n%sRun 'goescape check --help' for every flag.\n", usage);
    return 2;
}

/* The value of flag argv[*i]: after '=' in it, or the next argument. NULL when missing. */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static bool is_flag(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

/* Returns -1 to go on, or the exit status (0 after --help, 2 on bad usage). */
static int parse_args(struct check *c, int argc, char **argv, char ***targets, size_t *n)
{
    bool flags = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (!flags || a[0] != '-' || a[1] == '\0') {
            ge_strv_push(targets, n, ge_xstrdup(a));
        } else if (strcmp(a, "--") == 0) {
            flags = false;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-help") == 0) {
            fputs(usage, stdout);
            fputs(help, stdout);
            return 0;
        } else if (is_flag(a, "--format")) {
            if ((v = flag_value(argc, argv, &i, "--format")) == NULL || v[0] == '\0')
                return bad_usage("flag --format needs a value: text or json", NULL, NULL);
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
                return bad_usage("bad value for --format: %s (want text or json)", v, NULL);
            c->json = strcmp(v, "json") == 0;
        } else if (strcmp(a, "--json") == 0) {
            c->json = true;
        } else if (strcmp(a, "--no-tests") == 0) {
            c->config.include_tests = false;
        } else if (strcmp(a, "--all") == 0) {
            for (size_t k = 0; k < GE_CAT_COUNT; k++)
                c->config.categories[k] = true;
        } else if (is_flag(a, "--go")) {
            if ((v = flag_value(argc, argv, &i, "--go")) == NULL || v[0] == '\0')
                return bad_usage("flag --go needs a value: the go command to run", NULL, NULL);
            free(c->config.go_binary);
            c->config.go_binary = ge_xstrdup(v);
        } else if (is_flag(a, "--tags")) {
            if ((v = flag_value(argc, argv, &i, "--tags")) == NULL)
                return bad_usage("flag --tags needs a value: comma-separated build tags", NULL,
                                 NULL);
            size_t k = 0;
            while (c->config.build_flags[k])
                k++;
            ge_strv_push(&c->config.build_flags, &k, ge_xasprintf("-tags=%s", v));
        } else {
            return bad_usage("unknown flag %s", a, NULL);
        }
    }
    if (*n == 0)
        ge_strv_push(targets, n, ge_xstrdup("."));
    return -1;
}

/* An unlinked file in $TMPDIR (or /tmp): it goes away with the process, however it ends.
 * Returns the descriptor or a negative errno. */
static int temp_open(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    char *path = ge_xasprintf("%s/goescape-check-XXXXXX", dir);
    int fd = mkstemp(path);
    int rc = fd < 0 ? -errno : 0;
    if (fd >= 0)
        unlink(path);
    else
        fprintf(stderr, "goescape: cannot create a temporary file in %s: %s\n", dir, strerror(-rc));
    free(path);
    return fd >= 0 ? fd : rc;
}

static int spool_open(struct check *c)
{
    c->spool.fd = temp_open();
    if (c->spool.fd < 0)
        return c->spool.fd;
    int fd = temp_open();
    c->outspool = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (c->outspool == NULL && fd >= 0)
        close(fd);
    return c->outspool != NULL ? 0 : -EIO;
}

int ge_check_main(int argc, char **argv)
{
    struct check c = {.errors = json_array(), .spool = {.fd = -1}};
    ge_config_init(&c.config);
    ge_strmap_init(&c.by_path);
    ge_log_set_level(GE_LOG_ERROR);
    char **targets = NULL;
    size_t ntargets = 0;
    int status = parse_args(&c, argc, argv, &targets, &ntargets);
    if (status >= 0)
        goto out;
    status = 1;
    if (getcwd(c.cwd, sizeof c.cwd) == NULL) {
        fprintf(stderr, "goescape: cannot read the current directory: %s\n", strerror(errno));
        goto out;
    }
    if (ge_parser_create(&c.parser) != 0 || list_packages(&c, targets, ntargets) != 0 ||
        spool_open(&c) != 0)
        goto out;
    for (size_t i = 0; i < c.npkgs; i++)
        ge_strmap_put(&c.by_path, c.pkgs[i].import_path, &c.pkgs[i]);
    ge_check_emit_begin(&c);
    for (size_t i = 0; i < c.npkgs; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = same_module(c.pkgs[i].modroot, c.pkgs[j].modroot);
        if (!seen && analyze_group(&c, c.pkgs[i].modroot) != 0)
            c.failed = true;
    }
    ge_check_emit_end(&c);
    status = c.failed ? 1 : c.nbroken > 0 ? 3 : 0;
out:
    if (c.parser != NULL)
        ge_parser_destroy(c.parser);
    if (c.spool.fd >= 0)
        close(c.spool.fd);
    if (c.outspool != NULL)
        fclose(c.outspool);
    free(c.order);
    free(c.queue);
    ge_strv_free(targets);
    for (size_t i = 0; i < c.npkgs; i++) {
        free(c.pkgs[i].import_path);
        free(c.pkgs[i].dir);
        free(c.pkgs[i].modroot);
        ge_strv_free(c.pkgs[i].files);
        free(c.pkgs[i].ext);
    }
    free(c.pkgs);
    ge_strmap_free(&c.by_path);
    json_decref(c.errors);
    ge_config_free(&c.config);
    free(c.text);
    free(c.text_path);
    return status;
}
