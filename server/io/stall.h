/*
 * The loop-stall log: how long the event loop works between two waits for input. A request
 * that arrives during a stall waits for all of it, so every stall longer than a threshold is
 * logged at debug level, with the loop thread's CPU time over the same stall: a stall with
 * little of it was the machine running something else, not goescape working. At info level
 * there is at most one line per analysis, when it ends: how many stalls there were since the
 * last such line and the longest. It costs one read of the loop's millisecond clock per loop
 * iteration and one read of the thread's CPU clock (a system call) per millisecond at most, so
 * a relay that wakes thousands of times a second pays next to nothing for it.
 */
#ifndef GE_SERVER_STALL_H
#define GE_SERVER_STALL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define GE_STALL_LOG_MS 4u

struct ge_stall {
    uv_prepare_t prepare;  /* runs just before the loop waits */
    uv_check_t check;      /* runs after the callbacks of a wait's events */
    uint64_t woke_ms;      /* the loop's clock when the last wait ended */
    uint64_t cpu_ns;       /* loop thread CPU time, read at cpu_ms */
    uint64_t cpu_ms;       /* the loop's clock then: before a wait, at most 1 ms ago */
    unsigned count;        /* stalls since the last summary */
    uint64_t worst_ns;     /* the longest of them */
    uint64_t worst_cpu_ns; /* its CPU time */
    bool started;
};

/* Starts watching loop (borrowed). The handles do not keep the loop alive. Returns 0 or a
 * negative errno; the log is then off. */
int ge_stall_start(struct ge_stall *st, uv_loop_t *loop);
/* Logs the summary line of the stalls since the last one, if there were any, naming what just
 * ended (borrowed, e.g. "the analysis of example.com/m/p"). The end of each analysis calls
 * it; on the loop thread. Safe to call when not started. */
void ge_stall_summary(struct ge_stall *st, const char *what);
/* Logs the summary of what is pending and closes both handles (cb, which may be NULL, is
 * called for each). Safe to call when not started. */
void ge_stall_close(struct ge_stall *st, uv_close_cb cb);

#endif
