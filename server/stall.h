/*
 * The loop-stall log: how long the event loop works between two waits for input. A request
 * that arrives during a stall waits for all of it, so every stall longer than a threshold is
 * logged (at most one line a second, with the longest and the count since the last line).
 * Each line also gives the loop thread's CPU time over the same stall: a stall with little of
 * it was the machine running something else, not goescape working. It costs two clock reads
 * per loop iteration.
 */
#ifndef GE_SERVER_STALL_H
#define GE_SERVER_STALL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define GE_STALL_LOG_MS 4u

struct ge_stall {
    uv_prepare_t prepare; /* runs just before the loop waits */
    uv_timer_t flush;     /* logs stalls held back by the once-a-second limit */
    uint64_t last_ns;     /* clock at the last wait */
    uint64_t last_idle_ns;
    uint64_t last_cpu_ns;  /* loop thread CPU time at the last wait */
    uint64_t worst_ns;     /* longest stall not yet logged */
    uint64_t worst_cpu_ns; /* most CPU time of one of those stalls */
    unsigned pending;      /* stalls not yet logged */
    uint64_t logged_ns;    /* clock at the last log line */
    bool started;
};

/* Starts watching loop (borrowed). The handles do not keep the loop alive. Returns 0 or a
 * negative errno (UV_ENOTSUP when libuv cannot measure idle time); the log is then off. */
int ge_stall_start(struct ge_stall *st, uv_loop_t *loop);
/* Logs what is pending and closes the handles (cb may be NULL). Safe to call when not
 * started. */
void ge_stall_close(struct ge_stall *st, uv_close_cb cb);

#endif
