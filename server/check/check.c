/*
 * `goescape check`: lists the target packages with `go list`, runs one go command per module
 * over them (the same command line the server uses), and prints the findings as text or JSON,
 * package by package (check_emit.c). Child processes run through the same job code as in the
 * server, on a private loop. While the go command runs, its output is split into the blocks
 * each "# package" line opens and spooled to disk (check_stream.c; check_internal.h says why).
 * When the go command can be told from the targets alone, it starts together with go list.
 */
#include "check/check.h"
#include "check/check_internal.h"

#include "io/gocmd.h"
#include "strv.h"
#include "io/job.h"
#include "io/log.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: goescape check [--format text|json|sarif|github] [--no-tests] [--all] [--go PATH]\n"
    "                      [--tags TAGS] [--baseline FILE] [--write-baseline FILE]\n"
    "                      [--new-from-rev REV] [--fail-on new|any|none] [--quiet]\n"
    "                      [DIR|PATTERN...]\n";

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
    "                 message, fingerprint and flow (the steps to the heap: message, file,\n"
    "                 line, column)\n"
    "  --format sarif  one SARIF 2.1.0 document: a rule per category with its remedy,\n"
    "                 fingerprints, the flow as a code flow, and baselineState with a baseline\n"
    "  --format github  GitHub Actions workflow commands (::warning file=...::message), which\n"
    "                 annotate a pull request's diff\n"
    "  --json         the same as --format json\n"
    "  --baseline FILE  print only findings whose fingerprint is not in FILE\n"
    "  --write-baseline FILE  write every finding shown (before --baseline) to FILE: one JSON\n"
    "                 object per line, sorted\n"
    "  --new-from-rev REV  print only findings the working tree adds to git revision REV,\n"
    "                 which is analyzed in a temporary git worktree in $TMPDIR\n"
    "  --quiet        print no findings (for --write-baseline and --fail-on)\n"
    "  --fail-on new|any|none  exit with status 3 when there are new findings (not in the\n"
    "                 baseline; every finding without one) or any findings, and with new\n"
    "                 or any also when an assertion is broken; none (default) never\n"
    "  --no-tests     leave out _test.go files (go build instead of go test -c)\n"
    "  --all          also print leaking parameters and values that do not escape\n"
    "  --go PATH      the go command to run (default: go from PATH)\n"
    "  --tags TAGS    build tags, comma-separated, as for go build -tags\n"
    "  -h, --help     print this help and exit\n"
    "Flags take their value as the next argument or after '='; \"--\" ends the flags.\n"
    "\n"
    "A fingerprint names a finding by its package, function, category, subject and cause,\n"
    "and its rank among equal ones in the function, not by its line: moving code keeps it.\n"
    "\n"
    "A goescape:ignore comment hides findings as in the editor: at the end of their line\n"
    "(\"x := f() // goescape:ignore: reason\"), or on the comment line just above it.\n"
    "Assertions are printed with the category \"assertion\": a goescape:noescape comment\n"
    "whose line (or function, in its doc comment) has a heap escape, a goescape:allow\n"
    "without a reason, and an assertion on no code the compiler reported on. The heap\n"
    "escapes that a goescape:allow comment with a reason accepts are not printed.\n"
    "\n"
    "Exit status:\n"
    "  0  the analysis ran (findings do not change the status unless --fail-on says so)\n"
    "  1  a package could not be listed or built, or the go command could not run\n"
    "  2  bad usage: an unknown flag, a flag's value missing or not allowed, or a baseline\n"
    "     that cannot be read\n"
    "  3  --fail-on new or any: findings of the kind it names were found, or an assertion\n"
    "     is broken (a heap escape under goescape:noescape or gcassert:noescape, or a\n"
    "     goescape:allow without a reason)\n"
    "  128+N  stopped by signal N (SIGINT, SIGTERM, SIGHUP); the go command is stopped too\n";

/* SIGINT, SIGTERM or SIGHUP while go commands run: they are stopped (each process group gets
 * SIGTERM, then SIGKILL), so that no compiler outlives the run, and the run ends with 128 and
 * the signal. */
static void on_signal(uv_signal_t *h, int signum)
{
    struct check *c = h->data;
    if (c->signum == 0)
        c->signum = signum;
    if (c->list_job != NULL)
        ge_job_cancel(c->list_job);
    if (c->job != NULL)
        ge_job_cancel(c->job);
}

/* The go commands of one step run on a private loop, which watches the signals while c->njobs
 * of them run. */
static void loop_begin(struct check *c, uv_loop_t *loop, size_t njobs)
{
    uv_loop_init(loop);
    c->njobs = njobs;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < GE_ARRAY_SIZE(sigs); i++) {
        uv_signal_init(loop, &c->signals[i]);
        c->signals[i].data = c;
        uv_signal_start(&c->signals[i], on_signal, sigs[i]);
    }
}

/* A go command has ended; after the last one the signal handlers are closed, so that the loop
 * ends once the worker is done too. */
static void job_ended(struct check *c)
{
    if (--c->njobs > 0)
        return;
    for (size_t i = 0; i < GE_ARRAY_SIZE(c->signals); i++)
        uv_close((uv_handle_t *)&c->signals[i], NULL);
}

static void job_output(struct ge_job *job, const char *data, size_t len)
{
    ge_check_stream_chunk(job->data, data, len);
}

/* Starts argv (env borrowed) on loop; with spool, its stderr goes through the stream as it
 * arrives, else the job holds its output. */
static void job_start(struct check *c, uv_loop_t *loop, struct ge_job *job, void *data, char **argv,
                      const char *cwd, char **env, bool spool, ge_job_done_cb done)
{
    struct ge_job_spec spec = {
        .argv = (const char *const *)argv,
        .env = (const char *const *)env,
        .cwd = cwd,
        .timeout_ms = c->config.timeout_ms,
        .on_stderr = spool ? job_output : NULL,
        .stderr_max = spool ? GE_CHECK_SPOOL_MAX : 0,
    };
    job->data = data;
    ge_job_start(job, loop, &spec, done);
}

/* How a go command ended, for the run: 0, -EINTR after a signal, or the error that kept it
 * from starting (printed). */
static int job_status(const struct check *c, const struct ge_job *job, const char *argv0)
{
    if (c->signum != 0)
        return -EINTR;
    if (job->spawn_error != 0) {
        fprintf(stderr, "goescape: cannot run %s: %s\n", argv0,
                job->spawn_error == UV_ENOENT ? "command not found; install Go or pass --go"
                                              : uv_strerror(job->spawn_error));
        return job->spawn_error;
    }
    return 0;
}

/* The go command that analyzes has ended: every package not printed yet goes to the worker. */
static void build_done(struct ge_job *job)
{
    struct check *c = job->data;
    job_ended(c);
    ge_check_stream_end(c);
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
    /* Test files are no part of a build without tests: their declarations do not word its
     * findings, and their assertions have no code to match. */
    while (p->nfiles > compiled)
        free(p->files[--p->nfiles]);
    if (p->files != NULL)
        p->files[p->nfiles] = NULL;
    /* Nothing to compile here (all files excluded by build constraints, or only test files
     * with --no-tests): skipped, as go build skips such packages that a pattern matches. */
    if (compiled == 0 && err == NULL) {
        free(p->import_path);
        free(p->dir);
        free(p->modroot);
        ge_strv_free(p->files);
        c->npkgs--;
        c->nskipped++;
    }
}

/* Reads go list's output into c->pkgs. Returns 0 or a negative errno (after printing why). */
static int read_list(struct check *c, const struct ge_job *job)
{
    int rc = job_status(c, job, c->config.go_binary);
    if (rc == 0 && !ge_job_succeeded(job) && job->out.len == 0) {
        fprintf(stderr, "%.*s", (int)job->err.len, job->err.data ? job->err.data : "");
        rc = -EINVAL;
    }
    size_t off = 0;
    while (rc == 0 && off < job->out.len) {
        json_error_t jerr;
        json_t *obj =
            json_loadb(job->out.data + off, job->out.len - off, JSON_DISABLE_EOF_CHECK, &jerr);
        if (obj == NULL)
            break;
        add_package(c, obj);
        json_decref(obj);
        off += jerr.position;
        while (off < job->out.len && (job->out.data[off] == '\n' || job->out.data[off] == ' '))
            off++;
    }
    return rc;
}

static bool same_module(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Does t name packages of the standard library only: "std", or an import path (pattern)
 * whose first element has no dot, which module paths have? */
static bool std_target(const char *t)
{
    if (strcmp(t, "std") == 0)
        return true;
    if (t[0] == '.' || t[0] == '/' || strcmp(t, "all") == 0 || strcmp(t, "cmd") == 0 ||
        strncmp(t, "cmd/", 4) == 0)
        return false;
    size_t first = strcspn(t, "/");
    return memchr(t, '.', first) == NULL;
}

/*
 * The go command that will analyze the targets, as it can be told before they are listed: in
 * the working directory, for the standard library when every target names it, or for the
 * module whose go.mod is there. Returns false when there is no such guess. The list decides
 * (adoptable) whether the command started on the guess is the one it calls for.
 */
static bool guess_module(const struct check *c, char **targets, size_t n, const char **modroot)
{
    bool std = n > 0;
    for (size_t i = 0; i < n && std; i++)
        std = std_target(targets[i]);
    *modroot = NULL;
    if (std)
        return true;
    char *gomod = ge_xasprintf("%s/go.mod", c->cwd);
    bool here = access(gomod, F_OK) == 0;
    free(gomod);
    if (here)
        *modroot = c->cwd;
    return here;
}

/* Is a go command over the targets, run as guessed, the one the listed packages call for:
 * one command over packages of the guessed module only, and over no package that the list
 * keeps but go build would stop on? A package the list skips stops go build too when a target
 * names it; one that only a pattern matches is skipped by go build as well. Go files named as
 * targets make a package that only they name, which the go command over import paths does not
 * build. */
static bool adoptable(const struct check *c, const char *modroot, char **targets, size_t n)
{
    if (c->failed || c->npkgs == 0)
        return false;
    for (size_t i = 0; i < c->npkgs; i++)
        if (!same_module(c->pkgs[i].modroot, modroot) ||
            strcmp(c->pkgs[i].import_path, "command-line-arguments") == 0)
            return false;
    for (size_t i = 0; i < n && c->nskipped > 0; i++)
        if (strstr(targets[i], "...") == NULL && strcmp(targets[i], "std") != 0)
            return false;
    return true;
}

/* The packages of one go command, in print order. Returns a new array of their import paths
 * (borrowed from the packages). */
static const char **group_order(struct check *c, const char *modroot)
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
    return patterns;
}

/* State of listing while a go command over the targets may already run. */
struct listing {
    struct check *c;
    char **targets; /* borrowed */
    size_t ntargets;
    const char *modroot; /* the guess the go command runs on */
    bool building;       /* it runs */
    bool adopted;        /* and is the one the list calls for */
    int rc;
};

/* The list is in: the packages are known, and the go command that started before it is kept
 * or stopped. */
static void list_done(struct ge_job *job)
{
    struct listing *l = job->data;
    struct check *c = l->c;
    job_ended(c);
    l->rc = read_list(c, job);
    if (l->rc == 0) {
        for (size_t i = 0; i < c->npkgs; i++)
            ge_strmap_put(&c->by_path, c->pkgs[i].import_path, &c->pkgs[i]);
        ge_check_emit_begin(c);
    }
    if (!l->building)
        return;
    l->adopted = l->rc == 0 && adoptable(c, l->modroot, l->targets, l->ntargets);
    if (l->adopted) {
        free(group_order(c, l->modroot));
        ge_check_stream_listed(c);
    } else {
        c->discard = true;
        ge_check_stream_drop_pending(c);
        ge_job_cancel(c->job);
    }
}

/* The spools are reused from the start for each go command. */
static void spool_reset(struct check *c)
{
    if ((ftruncate(c->spool.fd, 0) != 0 || ftruncate(fileno(c->outspool), 0) != 0) &&
        c->spool_error == 0)
        c->spool_error = -errno;
    rewind(c->outspool);
    c->spool.size = c->spool.wlen = c->outspool_size = 0;
}

/* The end of one go command's run: its errors when it failed, and the reset of its state. */
static void finish_group(struct check *c, const struct ge_job *job, int rc)
{
    bool failed = rc != 0 || !ge_job_succeeded(job) || c->spool_error != 0;
    if (rc == 0 && failed) {
        c->failed = true;
        size_t before = c->nerrors;
        ge_check_spool_flush(c);
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

/*
 * Lists the packages with go list. go list and the go command that analyzes take about as
 * long to load the packages, so when that command can be told from the targets alone
 * (guess_module), it starts at the same time, over the targets as given; its blocks wait for
 * the list. The list then keeps it (*analyzed: its packages are printed) or stops it, and the
 * packages are analyzed as usual. Returns 0 or a negative errno (after printing why).
 */
static int list_packages(struct check *c, char **targets, size_t ntargets, bool *analyzed)
{
    char **largv = NULL;
    size_t n = 0;
    ge_strv_push(&largv, &n, ge_xstrdup(c->config.go_binary));
    ge_strv_push(&largv, &n, ge_xstrdup("list"));
    ge_strv_push(&largv, &n, ge_xstrdup("-e"));
    ge_strv_push(&largv, &n,
                 ge_xstrdup("-json=ImportPath,Dir,Module,Error,GoFiles,CgoFiles,TestGoFiles,"
                            "XTestGoFiles"));
    for (char **f = c->config.build_flags; *f; f++)
        ge_strv_push(&largv, &n, ge_xstrdup(*f));
    for (size_t i = 0; i < ntargets; i++)
        ge_strv_push(&largv, &n, ge_xstrdup(targets[i]));
    struct listing l = {.c = c, .targets = targets, .ntargets = ntargets};
    l.building = guess_module(c, targets, ntargets, &l.modroot);
    char **bargv = l.building ? ge_gocmd_build_argv(&c->config, c->config.include_tests, l.modroot,
                                                    NULL, (const char *const *)targets, ntargets)
                              : NULL;
    char **env = ge_gocmd_env(&c->config);
    uv_loop_t loop;
    loop_begin(c, &loop, l.building ? 2 : 1);
    struct ge_job list = {0}, build = {0};
    c->list_job = &list;
    job_start(c, &loop, &list, &l, largv, c->cwd, env, false, list_done);
    if (l.building) {
        spool_reset(c);
        ge_check_stream_begin(c, &loop, false);
        c->job = &build;
        job_start(c, &loop, &build, c, bargv, l.modroot ? l.modroot : c->cwd, env, true,
                  build_done);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    c->loop = NULL;
    c->job = c->list_job = NULL;
    if (l.adopted)
        finish_group(c, &build, job_status(c, &build, bargv[0]));
    ge_check_stream_drop_pending(c);
    *analyzed = l.adopted;
    ge_strv_free(largv);
    ge_strv_free(bargv);
    ge_strv_free(env);
    ge_buf_free(&list.out);
    ge_buf_free(&list.err);
    ge_buf_free(&build.out);
    ge_buf_free(&build.err);
    return l.rc;
}

/* One go command for every package of one module (or of the standard library). Packages are
 * printed on the thread pool as their output completes, while the command runs. */
static int analyze_group(struct check *c, const char *modroot)
{
    const char **patterns = group_order(c, modroot);
    char **argv = ge_gocmd_build_argv(&c->config, c->config.include_tests, modroot, NULL, patterns,
                                      c->norder);
    free(patterns);
    spool_reset(c);
    char **env = ge_gocmd_env(&c->config);
    uv_loop_t loop;
    loop_begin(c, &loop, 1);
    ge_check_stream_begin(c, &loop, true);
    struct ge_job job = {0};
    c->job = &job;
    job_start(c, &loop, &job, c, argv, modroot ? modroot : c->cwd, env, true, build_done);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    c->loop = NULL;
    c->job = NULL;
    int rc = job_status(c, &job, argv[0]);
    ge_strv_free(argv);
    ge_strv_free(env);
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
                return bad_usage("flag --format needs a value: text, json, sarif or github", NULL,
                                 NULL);
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0 && strcmp(v, "github") != 0 &&
                strcmp(v, "sarif") != 0)
                return bad_usage("bad value for --format: %s (want text, json, sarif or github)", v,
                                 NULL);
            c->json = strcmp(v, "json") == 0;
            c->github = strcmp(v, "github") == 0;
            c->sarif = strcmp(v, "sarif") == 0;
        } else if (strcmp(a, "--json") == 0) {
            c->json = true;
            c->github = c->sarif = false;
        } else if (is_flag(a, "--baseline")) {
            if ((v = flag_value(argc, argv, &i, "--baseline")) == NULL || v[0] == '\0')
                return bad_usage("flag --baseline needs a value: a baseline file", NULL, NULL);
            c->baseline_path = v;
        } else if (is_flag(a, "--write-baseline")) {
            if ((v = flag_value(argc, argv, &i, "--write-baseline")) == NULL || v[0] == '\0')
                return bad_usage("flag --write-baseline needs a value: the file to write", NULL,
                                 NULL);
            c->write_baseline = v;
        } else if (is_flag(a, "--fail-on")) {
            if ((v = flag_value(argc, argv, &i, "--fail-on")) == NULL || v[0] == '\0')
                return bad_usage("flag --fail-on needs a value: new, any or none", NULL, NULL);
            if (strcmp(v, "new") == 0)
                c->fail_on = CHECK_FAIL_NEW;
            else if (strcmp(v, "any") == 0)
                c->fail_on = CHECK_FAIL_ANY;
            else if (strcmp(v, "none") == 0)
                c->fail_on = CHECK_FAIL_NONE;
            else
                return bad_usage("bad value for --fail-on: %s (want new, any or none)", v, NULL);
        } else if (strcmp(a, "--no-tests") == 0) {
            c->config.include_tests = false;
            ge_strv_push(&c->child_flags, &c->nchild_flags, ge_xstrdup(a));
        } else if (strcmp(a, "--quiet") == 0) {
            c->quiet = true;
        } else if (is_flag(a, "--new-from-rev")) {
            if ((v = flag_value(argc, argv, &i, "--new-from-rev")) == NULL || v[0] == '\0')
                return bad_usage("flag --new-from-rev needs a value: a git revision", NULL, NULL);
            if (v[0] == '-')
                return bad_usage("bad value for --new-from-rev: %s (want a git revision)", v, NULL);
            c->new_from_rev = v;
        } else if (strcmp(a, "--all") == 0) {
            ge_strv_push(&c->child_flags, &c->nchild_flags, ge_xstrdup(a));
            for (size_t k = 0; k < GE_CAT_COUNT; k++)
                c->config.categories[k] = true;
        } else if (is_flag(a, "--go")) {
            if ((v = flag_value(argc, argv, &i, "--go")) == NULL || v[0] == '\0')
                return bad_usage("flag --go needs a value: the go command to run", NULL, NULL);
            free(c->config.go_binary);
            c->config.go_binary = ge_xstrdup(v);
            ge_strv_push(&c->child_flags, &c->nchild_flags, ge_xasprintf("--go=%s", v));
        } else if (is_flag(a, "--tags")) {
            if ((v = flag_value(argc, argv, &i, "--tags")) == NULL)
                return bad_usage("flag --tags needs a value: comma-separated build tags", NULL,
                                 NULL);
            size_t k = 0;
            while (c->config.build_flags[k])
                k++;
            ge_strv_push(&c->config.build_flags, &k, ge_xasprintf("-tags=%s", v));
            ge_strv_push(&c->child_flags, &c->nchild_flags, ge_xasprintf("--tags=%s", v));
        } else {
            return bad_usage("unknown flag %s", a, NULL);
        }
    }
    if (c->baseline_path != NULL && c->new_from_rev != NULL)
        return bad_usage("--baseline and --new-from-rev cannot be used together", NULL, NULL);
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
    ge_strmap_init(&c.baseline);
    ge_log_set_level(GE_LOG_ERROR);
    /* Into a pipe or a file, findings go out in large writes; a terminal gets each line. */
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, NULL, _IOFBF, GE_CHECK_READ_SIZE);
    char **targets = NULL;
    size_t ntargets = 0;
    int status = parse_args(&c, argc, argv, &targets, &ntargets);
    if (status >= 0)
        goto out;
    status = 2;
    if (c.baseline_path != NULL && ge_check_baseline_load(&c) != 0)
        goto out;
    status = 1;
    if (getcwd(c.cwd, sizeof c.cwd) == NULL) {
        fprintf(stderr, "goescape: cannot read the current directory: %s\n", strerror(errno));
        goto out;
    }
    if (c.new_from_rev != NULL && (status = ge_check_rev_baseline(&c, targets, ntargets)) != 0)
        goto out;
    status = 1;
    bool analyzed = false;
    if (ge_parser_create(&c.parser) != 0 || spool_open(&c) != 0 ||
        list_packages(&c, targets, ntargets, &analyzed) != 0)
        goto out;
    for (size_t i = 0; i < c.npkgs && !analyzed; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = same_module(c.pkgs[i].modroot, c.pkgs[j].modroot);
        if (!seen && c.signum == 0 && analyze_group(&c, c.pkgs[i].modroot) != 0)
            c.failed = true;
    }
    ge_check_emit_end(&c);
    /* A baseline is written only from a whole analysis: one from a failed build would
     * accept every finding of the packages that did not build as fixed. */
    if (c.write_baseline != NULL && !c.failed && ge_check_baseline_write(&c) != 0)
        c.failed = true;
    status = c.failed ? 1 : 0;
    if (status == 0 && c.fail_on != CHECK_FAIL_NONE &&
        (c.nbroken > 0 || (c.fail_on == CHECK_FAIL_NEW && c.nnew > 0) ||
         (c.fail_on == CHECK_FAIL_ANY && c.nfound > 0)))
        status = 3;
out:
    if (c.signum != 0) {
        fprintf(stderr, "goescape check: interrupted\n");
        status = 128 + c.signum;
    }
    if (c.parser != NULL)
        ge_parser_destroy(c.parser);
    if (c.spool.fd >= 0)
        close(c.spool.fd);
    free(c.spool.wbuf);
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
    ge_strmap_free(&c.baseline);
    ge_strv_free(c.blines);
    ge_strv_free(c.child_flags);
    json_decref(c.errors);
    ge_config_free(&c.config);
    return status;
}
