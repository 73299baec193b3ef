/*
 * `goescape check --new-from-rev REV`: what the working tree adds to REV. REV is checked out
 * with `git worktree add --detach` in a new directory under $TMPDIR, never in the user's
 * tree, and the same packages are analyzed there by a second `goescape check`, which writes
 * its findings as a baseline; the working tree is then analyzed against it. Every command is
 * an argument vector run through the job runner, never a shell. The temporary worktree is
 * removed afterwards, also when the analysis fails or the run is interrupted (SIGINT,
 * SIGTERM, SIGHUP while the second analysis runs: it is stopped, the tree removed, and the
 * run ends with 128 + the signal).
 */
#include "check/check_internal.h"

#include "strv.h"
#include "io/job.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The git commands are quick; one that makes no progress this long is stopped. */
#define REV_GIT_TIMEOUT_MS 120000u

struct rev_run {
    struct ge_job job;
    uv_signal_t signals[3];
    int signum; /* the signal that interrupted the run, or 0 */
};

static void rev_job_done(struct ge_job *job)
{
    struct rev_run *r = job->data;
    for (size_t i = 0; i < GE_ARRAY_SIZE(r->signals); i++)
        uv_close((uv_handle_t *)&r->signals[i], NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct rev_run *r = h->data;
    if (r->signum == 0) {
        r->signum = signum;
        ge_job_cancel(&r->job);
    }
}

/* Runs argv in cwd to completion; r->job holds its output. Interrupting signals stop it. */
static void rev_exec(struct rev_run *r, char **argv, const char *cwd, uint64_t timeout_ms)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct ge_job_spec spec = {
        .argv = (const char *const *)argv, .cwd = cwd, .timeout_ms = timeout_ms};
    *r = (struct rev_run){.job = {.data = r}};
    for (size_t i = 0; i < GE_ARRAY_SIZE(sigs); i++) {
        uv_signal_init(&loop, &r->signals[i]);
        r->signals[i].data = r;
        uv_signal_start(&r->signals[i], on_signal, sigs[i]);
    }
    ge_job_start(&r->job, &loop, &spec, rev_job_done);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

/* Runs git with args (a NULL-terminated list of borrowed strings) in cwd. Returns 0 when it
 * succeeded; otherwise prints what it said after "what" (unless NULL) and returns -EIO, or
 * -EINTR when a signal stopped it. */
static int git(struct rev_run *r, const char *cwd, const char *what, const char *const *args)
{
    char **argv = NULL;
    size_t n = 0;
    ge_strv_push(&argv, &n, ge_xstrdup("git"));
    for (; *args; args++)
        ge_strv_push(&argv, &n, ge_xstrdup(*args));
    rev_exec(r, argv, cwd, REV_GIT_TIMEOUT_MS);
    ge_strv_free(argv);
    if (ge_job_succeeded(&r->job))
        return 0;
    if (r->signum != 0)
        return -EINTR;
    if (what == NULL)
        return -EIO;
    if (r->job.spawn_error != 0)
        fprintf(stderr, "goescape check: %s: cannot run git: %s\n", what,
                uv_strerror(r->job.spawn_error));
    else
        fprintf(stderr, "goescape check: %s:\n%.*s", what, (int)r->job.err.len,
                r->job.err.data ? r->job.err.data : "");
    return -EIO;
}

static void rev_free(struct rev_run *r)
{
    ge_buf_free(&r->job.out);
    ge_buf_free(&r->job.err);
}

/* The second analysis: this binary, with the same analysis flags, in the worktree. */
static int analyze_rev(struct check *c, struct rev_run *r, const char *dir, const char *top,
                       const char *tree, char **targets, size_t ntargets, const char *base)
{
    char exe[PATH_MAX];
    size_t len = sizeof exe;
    if (uv_exepath(exe, &len) != 0) {
        fprintf(stderr, "goescape check: cannot find the goescape binary to analyze %s\n",
                c->new_from_rev);
        return -EIO;
    }
    char **argv = NULL;
    size_t n = 0;
    ge_strv_push(&argv, &n, ge_xstrdup(exe));
    ge_strv_push(&argv, &n, ge_xstrdup("check"));
    ge_strv_push(&argv, &n, ge_xstrdup("--quiet"));
    ge_strv_push(&argv, &n, ge_xasprintf("--write-baseline=%s", base));
    for (size_t i = 0; i < c->nchild_flags; i++)
        ge_strv_push(&argv, &n, ge_xstrdup(c->child_flags[i]));
    ge_strv_push(&argv, &n, ge_xstrdup("--"));
    size_t ntop = strlen(top);
    for (size_t i = 0; i < ntargets; i++) {
        /* An absolute path into the repository names the same place in the worktree. */
        if (strncmp(targets[i], top, ntop) == 0 &&
            (targets[i][ntop] == '/' || targets[i][ntop] == '\0'))
            ge_strv_push(&argv, &n, ge_xasprintf("%s%s", tree, targets[i] + ntop));
        else
            ge_strv_push(&argv, &n, ge_xstrdup(targets[i]));
    }
    rev_exec(r, argv, dir, c->config.timeout_ms);
    ge_strv_free(argv);
    if (ge_job_succeeded(&r->job))
        return 0;
    if (r->signum != 0)
        return -EINTR;
    fprintf(stderr, "goescape check: cannot analyze %s:\n%.*s", c->new_from_rev,
            (int)r->job.err.len, r->job.err.data ? r->job.err.data : "");
    return -EIO;
}

/* The repository's top directory and cwd's path below it ("" or "sub/dir/"), both new. */
static int repo_place(const struct check *c, struct rev_run *r, char **top, char **prefix)
{
    const char *args[] = {"rev-parse", "--show-toplevel", "--show-prefix", NULL};
    int rc = git(r, c->cwd, "not in a git repository", args);
    if (rc == 0) {
        const char *out = r->job.out.data ? r->job.out.data : "";
        size_t k = strcspn(out, "\n");
        *top = ge_xstrndup(out, k);
        const char *p = out[k] == '\n' ? out + k + 1 : out + k;
        *prefix = ge_xstrndup(p, strcspn(p, "\n"));
        if ((*top)[0] != '/')
            rc = -EIO;
    }
    rev_free(r);
    return rc;
}

int ge_check_rev_baseline(struct check *c, char **targets, size_t ntargets)
{
    struct rev_run r;
    char *top = NULL, *prefix = NULL, *tmp = NULL, *tree = NULL, *dir = NULL, *base = NULL;
    bool added = false;
    int rc = repo_place(c, &r, &top, &prefix);
    if (rc != 0)
        goto out;
    char *commit = ge_xasprintf("%s^{commit}", c->new_from_rev);
    const char *verify[] = {"rev-parse", "--verify", "--quiet", "--end-of-options", commit, NULL};
    rc = git(&r, top, NULL, verify);
    free(commit);
    rev_free(&r);
    if (rc == -EIO) {
        fprintf(stderr, "goescape check: --new-from-rev: no commit %s in %s\n", c->new_from_rev,
                top);
        rc = -EINVAL;
    }
    if (rc != 0)
        goto out;
    const char *tmpdir = getenv("TMPDIR");
    tmp = ge_xasprintf("%s/goescape-rev-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    if (mkdtemp(tmp) == NULL) {
        rc = -errno;
        fprintf(stderr, "goescape check: cannot create a directory in $TMPDIR: %s\n",
                strerror(-rc));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    tree = ge_xasprintf("%s/tree", tmp);
    base = ge_xasprintf("%s/baseline", tmp);
    const char *add[] = {"worktree", "add", "--detach", "--quiet", tree, c->new_from_rev, NULL};
    rc = git(&r, top, "cannot check out the revision in a temporary worktree", add);
    rev_free(&r);
    added = rc != -EIO; /* interrupted, it may be half made: removed all the same */
    if (rc != 0)
        goto out;
    dir = ge_xasprintf("%s/%s", tree, prefix);
    rc = analyze_rev(c, &r, dir, top, tree, targets, ntargets, base);
    rev_free(&r);
    if (rc == 0) {
        c->baseline_path = base;
        rc = ge_check_baseline_load(c) == 0 ? 0 : -EIO;
        c->baseline_path = NULL;
    }
out:;
    int signum = r.signum;
    if (added) {
        const char *rm[] = {"worktree", "remove", "--force", tree, NULL};
        struct rev_run rr;
        if (git(&rr, top, "cannot remove the temporary worktree", rm) != 0)
            fprintf(stderr, "goescape check: remove %s and run 'git worktree prune'\n", tree);
        rev_free(&rr);
    }
    if (base != NULL)
        unlink(base);
    if (tmp != NULL)
        rmdir(tmp);
    free(top);
    free(prefix);
    free(tmp);
    free(tree);
    free(dir);
    free(base);
    if (rc == -EINTR && signum != 0) {
        fprintf(stderr, "goescape check: interrupted\n");
        return 128 + signum;
    }
    return rc == 0 ? 0 : rc == -EINVAL ? 2 : 1;
}
