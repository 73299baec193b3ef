/*
 * The go command as a child job. The process is spawned detached, which makes it the leader
 * of a new process group, so signals reach the compile processes that go starts as well.
 */
#include "io/job.h"

#include "io/log.h"
#include "io/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void finish_one(struct ge_job *job)
{
    if (--job->pending == 0) {
        job->finished_ms = uv_now(job->loop);
        job->done(job);
    }
}

static void handle_closed(uv_handle_t *h)
{
    finish_one(h->data);
}

static void kill_group(struct ge_job *job, int sig)
{
    if (job->exited || job->proc.pid <= 0)
        return;
    if (kill(-job->proc.pid, sig) != 0 && errno == ESRCH)
        uv_process_kill(&job->proc, sig);
    if (sig == SIGKILL)
        job->killed = true;
}

static void timer_fired(uv_timer_t *t);

static void stop_for_time(struct ge_job *job, bool hard)
{
    uint64_t now = uv_now(job->loop);
    job->timed_out = true;
    job->hard_limit = hard;
    if (hard)
        ge_log_warn("go command still running after %llu ms, its hard limit; stopping it",
                    (unsigned long long)(now - job->started_ms));
    else
        ge_log_warn("go command made no progress (no output, no CPU time) for %llu ms; stopping "
                    "it",
                    (unsigned long long)(now - job->progress_ms));
    kill_group(job, SIGTERM);
    uv_timer_stop(&job->timer);
    uv_timer_start(&job->timer, timer_fired, GE_JOB_KILL_GRACE_MS, 0);
}

/* One look at a running job: output since the last look, or CPU time used by its group,
 * is progress. */
static void check_progress(struct ge_job *job)
{
    /* The nice value set right after the spawn misses a compiler that the go command forked
     * while the group was being changed; each look lowers the whole group again. */
    if (job->nice > 0)
        ge_platform_lower_priority(job->proc.pid, job->nice);
    struct ge_proc_sample sample;
    bool seen = ge_proc_sample_group(job->proc.pid, &sample) == 0;
    uint64_t now = uv_now(job->loop);
    if (seen && (!job->cpu_seen || sample.cpu_ms != job->cpu_ms))
        job->progress_ms = now;
    if (seen) {
        job->cpu_ms = sample.cpu_ms;
        job->cpu_seen = true;
    }
    if (job->on_sample != NULL)
        job->on_sample(job, seen ? &sample : NULL);
    if (job->timeout_ms > 0 && now - job->progress_ms >= job->timeout_ms)
        stop_for_time(job, false);
    else if (job->hard_timeout_ms > 0 && now - job->started_ms >= job->hard_timeout_ms)
        stop_for_time(job, true);
}

static void timer_fired(uv_timer_t *t)
{
    struct ge_job *job = t->data;
    if (job->exited)
        return;
    if (job->cancelled || job->timed_out || job->output_capped) {
        /* The grace period after SIGTERM is over. */
        kill_group(job, SIGKILL);
        return;
    }
    check_progress(job);
}

/* Time between looks: often enough that a timeout is noticed within a quarter of it. */
static uint64_t sample_interval(const struct ge_job *job)
{
    uint64_t ms = job->timeout_ms > 0 ? job->timeout_ms / 4 : GE_JOB_SAMPLE_MS;
    if (ms > GE_JOB_SAMPLE_MS)
        ms = GE_JOB_SAMPLE_MS;
    return ms < 50 ? 50 : ms;
}

static void escalate(struct ge_job *job)
{
    kill_group(job, SIGTERM);
    uv_timer_stop(&job->timer);
    uv_timer_start(&job->timer, timer_fired, GE_JOB_KILL_GRACE_MS, 0);
}

static void proc_exited(uv_process_t *p, int64_t status, int sig)
{
    struct ge_job *job = p->data;
    job->exited = true;
    job->exit_status = status;
    job->term_signal = sig;
    uv_timer_stop(&job->timer);
    /* Children of go that outlived it would keep the pipes open; the group goes too. */
    if (kill(-p->pid, SIGKILL) == 0)
        ge_log_debug("killed leftover processes of group %d", p->pid);
    uv_close((uv_handle_t *)&job->timer, handle_closed);
    uv_close((uv_handle_t *)p, handle_closed);
    finish_one(job);
}

static struct ge_buf *pipe_buf(struct ge_job *job, uv_handle_t *h)
{
    return h == (uv_handle_t *)&job->out_pipe ? &job->out : &job->err;
}

/* True when reads of h go to on_stderr instead of staying in the buffer. */
static bool streamed(const struct ge_job *job, const uv_handle_t *h)
{
    return job->on_stderr != NULL && h == (const uv_handle_t *)&job->err_pipe;
}

static void pipe_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct ge_job *job = h->data;
    struct ge_buf *b = pipe_buf(job, h);
    (void)suggested;
    /* libuv reads a readable pipe up to 32 times in one loop iteration; streamed output is
     * parsed as it is read, so small reads keep that iteration short (about 1 ms for 512 KB)
     * when the build cache replays megabytes at once. */
    size_t want = streamed(job, h) ? GE_JOB_STREAM_READ : 64 * 1024;
    size_t left = streamed(job, h) ? job->err_max - job->err_total : b->max - b->len;
    if (left < want)
        want = left;
    if (want == 0 || ge_buf_reserve(b, want) != 0) {
        *buf = uv_buf_init(NULL, 0);
        return;
    }
    *buf = uv_buf_init(b->data + b->len, (unsigned)want);
}

static void pipe_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct ge_job *job = s->data;
    struct ge_buf *b = pipe_buf(job, (uv_handle_t *)s);
    (void)buf;
    if (nread > 0)
        job->progress_ms = uv_now(job->loop);
    if (nread > 0 && streamed(job, (uv_handle_t *)s)) {
        job->err_total += (size_t)nread;
        job->on_stderr(job, b->data, (size_t)nread);
        return;
    }
    if (nread > 0) {
        b->len += (size_t)nread;
        b->data[b->len] = '\0';
        return;
    }
    if (nread == 0)
        return;
    if (nread == UV_ENOBUFS && !job->output_capped) {
        job->output_capped = true;
        ge_log_warn("go command printed more than %zu MB; stopping it",
                    (streamed(job, (uv_handle_t *)s) ? job->err_max : b->max) >> 20);
        escalate(job);
    }
    uv_read_stop(s);
    uv_close((uv_handle_t *)s, handle_closed);
    finish_one(job); /* EOF (or the end of reading) */
}

/* The PATH a child with environment env (NULL: the server's) will see. */
static const char *child_path(const char *const *env)
{
    for (const char *const *e = env; e != NULL && *e != NULL; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            return *e + 5;
    const char *p = env == NULL ? getenv("PATH") : NULL;
    return p ? p : "/usr/local/bin:/usr/bin:/bin";
}

/* Accepts only what the kernel runs by itself: an ELF binary or a "#!" script. execvp would
 * hand any other executable file to /bin/sh, and the server never runs a shell. */
static int check_runnable(const char *path)
{
    if (access(path, X_OK) != 0)
        return -errno;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char head[4] = {0};
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n >= 4 && memcmp(head,
                         "\x7f"
                         "ELF",
                         4) == 0)
        return 0;
    if (n >= 2 && head[0] == '#' && head[1] == '!')
        return 0;
    return -ENOEXEC;
}

int ge_job_resolve(const char *bin, const char *cwd, const char *const *env, char **path_new)
{
    *path_new = NULL;
    if (strchr(bin, '/') != NULL) {
        char *full =
            bin[0] == '/' || cwd == NULL ? ge_xstrdup(bin) : ge_xasprintf("%s/%s", cwd, bin);
        int rc = check_runnable(full);
        if (rc == 0)
            *path_new = full;
        else
            free(full);
        return rc;
    }
    int rc = -ENOENT;
    const char *p = child_path(env);
    while (*path_new == NULL && p != NULL) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        char *full = ge_xasprintf("%.*s/%s", (int)n, n ? p : ".", bin);
        int r = check_runnable(full);
        if (r == 0)
            *path_new = full;
        else
            free(full);
        if (r != -ENOENT && rc == -ENOENT)
            rc = r;
        p = colon ? colon + 1 : NULL;
    }
    return *path_new != NULL ? 0 : rc;
}

void ge_job_await_group(uv_pid_t pgid, unsigned max_ms)
{
    struct timespec tick = {0, 1000000};
    for (unsigned waited = 0; waited < max_ms && kill(-pgid, 0) == 0; waited++)
        nanosleep(&tick, NULL);
}

int ge_job_spawn(uv_loop_t *loop, uv_process_t *proc, const uv_process_options_t *opts)
{
    uv_process_options_t o = *opts;
    char **guarded = ge_platform_guard_argv(opts->file, opts->args, &o.file);
    if (guarded != NULL)
        o.args = guarded;
    int rc = uv_spawn(loop, proc, &o);
    free(guarded);
    return rc;
}

static int setup_pipe(struct ge_job *job, uv_pipe_t *p)
{
    int rc = uv_pipe_init(job->loop, p, 0);
    if (rc != 0)
        return rc;
    p->data = job;
    job->pending++; /* released by the close callback */
    return 0;
}

/*
 * Counting: pending holds one count for each handle until its close callback, one for the
 * exit callback, one for each pipe's EOF, and one for this function itself, so done runs
 * exactly once, after the last of them, whichever order they come in.
 */
void ge_job_start(struct ge_job *job, uv_loop_t *loop, const struct ge_job_spec *spec,
                  ge_job_done_cb done)
{
    void *data = job->data;
    *job = (struct ge_job){
        .loop = loop,
        .done = done,
        .data = data,
        .pending = 1,
        .on_stderr = spec->on_stderr,
        .on_sample = spec->on_sample,
        .nice = spec->nice,
        .err_max = spec->stderr_max ? spec->stderr_max : GE_JOB_STDERR_MAX,
        .timeout_ms = spec->timeout_ms,
        .hard_timeout_ms =
            spec->hard_timeout_ms ? spec->hard_timeout_ms : spec->timeout_ms * GE_JOB_HARD_FACTOR,
    };
    ge_buf_init(&job->out, GE_JOB_STDOUT_MAX);
    ge_buf_init(&job->err, GE_JOB_STDERR_MAX);
    job->started_ms = uv_now(loop);
    job->progress_ms = job->started_ms;
    uv_timer_init(loop, &job->timer);
    job->timer.data = job;
    job->pending++;
    bool out_ok = false;
    bool err_ok = false;
    char *file = NULL;
    int rc = ge_job_resolve(spec->argv[0], spec->cwd, spec->env, &file);
    if (rc == 0)
        rc = setup_pipe(job, &job->out_pipe);
    out_ok = rc == 0;
    if (rc == 0)
        rc = setup_pipe(job, &job->err_pipe);
    err_ok = out_ok && rc == 0;
    if (rc == 0) {
        uv_stdio_container_t stdio[3] = {
            {.flags = UV_IGNORE},
            {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
             .data.stream = (uv_stream_t *)&job->out_pipe},
            {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
             .data.stream = (uv_stream_t *)&job->err_pipe},
        };
        uv_process_options_t opts = {
            .exit_cb = proc_exited,
            .file = file,
            .args = (char **)spec->argv,
            .env = (char **)spec->env,
            .cwd = spec->cwd,
            .flags = UV_PROCESS_DETACHED,
            .stdio_count = 3,
            .stdio = stdio,
        };
        job->proc.data = job;
        rc = ge_job_spawn(loop, &job->proc, &opts);
        if (rc != 0)
            uv_close((uv_handle_t *)&job->proc, NULL);
    }
    free(file);
    if (rc != 0) {
        job->spawn_error = rc;
        job->exited = true;
        uv_close((uv_handle_t *)&job->timer, handle_closed);
        if (out_ok)
            uv_close((uv_handle_t *)&job->out_pipe, handle_closed);
        if (err_ok)
            uv_close((uv_handle_t *)&job->err_pipe, handle_closed);
        finish_one(job);
        return;
    }
    if (spec->nice > 0)
        ge_platform_lower_priority(job->proc.pid, spec->nice);
    job->pending += 4; /* the exit callback, the process close, and two EOFs */
    uv_read_start((uv_stream_t *)&job->out_pipe, pipe_alloc, pipe_read);
    uv_read_start((uv_stream_t *)&job->err_pipe, pipe_alloc, pipe_read);
    if (job->timeout_ms > 0 || job->hard_timeout_ms > 0 || job->on_sample != NULL)
        uv_timer_start(&job->timer, timer_fired, sample_interval(job), sample_interval(job));
    finish_one(job);
}

void ge_job_cancel(struct ge_job *job)
{
    if (job->exited || job->cancelled)
        return;
    job->cancelled = true;
    escalate(job);
}

void ge_job_kill(struct ge_job *job)
{
    job->cancelled = true;
    kill_group(job, SIGKILL);
}

bool ge_job_succeeded(const struct ge_job *job)
{
    return job->spawn_error == 0 && job->exited && job->exit_status == 0 && job->term_signal == 0 &&
           !job->output_capped && !job->timed_out && !job->cancelled;
}
