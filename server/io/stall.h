/*
 * The loop-stall log: how long the event loop works between two waits for input. A request
 * that arrives during a stall waits for all of it, so every stall longer than a threshold is
 * logged at debug level, with the loop thread's CPU time over the same stall: a stall with
 * little of it was the machine running something else, not goescape working. At info level
 * there is at most one line per analysis, when it ends: how many stalls there were since the
 * last such line and the longest. It costs two clock reads per loop iteration.
 */
#ifndef GE_SERVER_STALL_H
#define GE_SERVER_STALL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define GE_STALL_LOG_MS 4u

struct ge_stall {
    uv_prepare_t prepare; /* runs just before the loop waits */
    uint64_t last_ns;     /* clock at the last wait */
    uint64_t last_idle_ns;
    uint64_t last_cpu_ns;  /* loop thread CPU time at the last wait */
    unsigned count;        /* stalls since the last summary */
    uint64_t worst_ns;     /* the longest of them */
    uint64_t worst_cpu_ns; /* its CPU time */
    bool started;
};

/* Starts watching loop (borrowed). The handle does not keep the loop alive. Returns 0 or a
 * negative errno (UV_ENOTSUP when libuv cannot measure idle time); the log is then off. */
int ge_stall_start(struct ge_stall *st, uv_loop_t *loop);
/* Logs the summary line of the stalls since the last one, if there were any, naming what just
 * ended (borrowed, e.g. "the analysis of example.com/m/p"). The end of each analysis calls
 * it; on the loop thread. Safe to call when not started. */
void ge_stall_summary(struct ge_stall *st, const char *what);
/* Logs the summary of what is pending and closes the handle (cb may be NULL). Safe to call
 * when not started. */
void ge_stall_close(struct ge_stall *st, uv_close_cb cb);

#endif
