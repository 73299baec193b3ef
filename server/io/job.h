/*
 * Child processes for the go command. A job spawns one argv (never a shell) in its own
 * process group, reads stdout and stderr into capped buffers, and finishes only when the
 * process has exited, both pipes have reached EOF, and every handle has closed, as Neovim's
 * process layer does. Cancelling escalates: SIGTERM to the group, then SIGKILL from a timer.
 * Runs on the loop thread only.
 */
#ifndef GE_SERVER_JOB_H
#define GE_SERVER_JOB_H

#include <uv.h>

#include "io/procgroup.h"
#include "goescape/buf.h"

/* Largest compiler output read from one job; past it the job is killed and marked. */
#define GE_JOB_STDERR_MAX (64u * 1024u * 1024u)
#define GE_JOB_STDOUT_MAX (16u * 1024u * 1024u)
/* Size of one read of streamed stderr. */
#define GE_JOB_STREAM_READ (16u * 1024u)
/* Time between SIGTERM and SIGKILL. */
#define GE_JOB_KILL_GRACE_MS 2000
/* Longest time between two looks at a running job's progress. */
#define GE_JOB_SAMPLE_MS 1000
/* Without hard_timeout_ms, a job that keeps making progress is stopped after this many times
 * its timeout_ms all the same. */
#define GE_JOB_HARD_FACTOR 10

/* Finds bin on the PATH of environment env (NULL: the server's) as execvp would, or relative
 * to cwd when it has a '/'. Only an ELF binary or a "#!" script is accepted: the server never
 * hands a file to a shell. Returns 0 and a new path, or -ENOENT, -EACCES or -ENOEXEC. */
int ge_job_resolve(const char *bin, const char *cwd, const char *const *env, char **path_new);
/* uv_spawn of opts->file (a path from ge_job_resolve), tied to the server's life where the
 * system allows (ge_platform_guard_argv), so that a server killed by SIGKILL leaves no child
 * running. Loop thread only; returns as uv_spawn. Every child of the server starts here. */
int ge_job_spawn(uv_loop_t *loop, uv_process_t *proc, const uv_process_options_t *opts);
/* Waits, blocking, up to max_ms for process group pgid to be empty, after it was sent SIGKILL:
 * the guard of a child dies at once, its child a moment later, and only then is the child
 * gone. Loop thread only, and only where a process ends for good (gopls's exit). */
void ge_job_await_group(uv_pid_t pgid, unsigned max_ms);

struct ge_job;
/* Called once, after exit, EOF and every close; the job may be freed from inside it. */
typedef void (*ge_job_done_cb)(struct ge_job *job);
/* Called with each read of stderr as it arrives; data is borrowed for the call. */
typedef void (*ge_job_data_cb)(struct ge_job *job, const char *data, size_t len);
/* Called at each look at a running job's progress (at most every GE_JOB_SAMPLE_MS) with what
 * its process group is doing, or NULL where that cannot be seen; sample is borrowed. */
typedef void (*ge_job_sample_cb)(struct ge_job *job, const struct ge_proc_sample *sample);

struct ge_job_spec {
    const char *const *argv; /* borrowed; argv[0] is looked up on the child's PATH and must be
                                an ELF binary or a "#!" script (never run through a shell) */
    const char *const *env;  /* borrowed; NULL-terminated "K=V" list, or NULL to inherit */
    const char *cwd;         /* borrowed */
    /* A job that makes no progress for timeout_ms is stopped (0 for never). Progress is
     * output, or CPU time used by its process group (its compilers included) where that can
     * be seen (ge_proc_sample_group); elsewhere output alone. A cold build cache compiles
     * dependencies for minutes without a word, but not without CPU time. */
    uint64_t timeout_ms;
    uint64_t hard_timeout_ms;   /* stopped after this long in any case; 0 means
                                   GE_JOB_HARD_FACTOR * timeout_ms */
    ge_job_data_cb on_stderr;   /* when set, stderr goes here as it arrives and is not kept */
    ge_job_sample_cb on_sample; /* optional */
    int nice;                   /* 1..19: lower the process and all it starts to this nice value */
    size_t stderr_max;          /* cap on stderr in bytes; 0 for GE_JOB_STDERR_MAX */
};

struct ge_job {
    uv_loop_t *loop;
    uv_process_t proc;
    uv_pipe_t out_pipe;
    uv_pipe_t err_pipe;
    uv_timer_t timer;  /* progress checks while it runs; then the SIGTERM grace period */
    struct ge_buf out; /* stdout, capped at GE_JOB_STDOUT_MAX */
    struct ge_buf err; /* stderr, capped at GE_JOB_STDERR_MAX; with on_stderr, one read */
    size_t err_total;  /* bytes read from stderr, counted against err_max */
    size_t err_max;    /* the spec's stderr_max, or GE_JOB_STDERR_MAX */
    ge_job_data_cb on_stderr;
    ge_job_sample_cb on_sample;
    uint64_t timeout_ms;
    uint64_t hard_timeout_ms;
    uint64_t progress_ms; /* loop time of the last output or CPU time seen */
    uint64_t cpu_ms;      /* the group's CPU time at the last look */
    bool cpu_seen;        /* cpu_ms holds a sample */
    int spawn_error;      /* negative errno when the process could not start, else 0 */
    int64_t exit_status;
    int term_signal;
    int nice; /* the spec's nice, applied again at each look (see check_progress) */
    bool exited;
    bool timed_out;     /* a timeout fired and the group was killed */
    bool hard_limit;    /* ... the hard limit, though it was making progress */
    bool cancelled;     /* ge_job_cancel was called */
    bool output_capped; /* a buffer reached its cap; the group was killed */
    bool killed;        /* SIGKILL was sent */
    int pending;        /* exit + EOFs + open handles still outstanding */
    uint64_t started_ms;
    uint64_t finished_ms;
    ge_job_done_cb done;
    void *data; /* the owner's */
};

/* Starts a job. Always ends in exactly one done callback, even when the spawn fails (then
 * spawn_error is set), so the owner has a single completion path. */
void ge_job_start(struct ge_job *job, uv_loop_t *loop, const struct ge_job_spec *spec,
                  ge_job_done_cb done);
/* Marks the job cancelled and sends SIGTERM to its process group; SIGKILL follows after
 * GE_JOB_KILL_GRACE_MS. Harmless after exit. */
void ge_job_cancel(struct ge_job *job);
/* Sends SIGKILL to the group at once (used when the server stops). */
void ge_job_kill(struct ge_job *job);
/* True when the process ran to its own exit with status 0 and nothing was capped. */
bool ge_job_succeeded(const struct ge_job *job);

#endif
