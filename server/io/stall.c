/*
 * The loop-stall log. Busy time between two prepare callbacks is the wall time between them
 * minus what the loop spent blocked in the poller (uv_metrics_idle_time); it covers timers,
 * I/O callbacks, idle and check handles, and close callbacks of one iteration. Each stall is
 * a debug line; an analysis on a loaded machine has dozens of them, which at info level
 * drowned everything else, so info gets one summary when an analysis ends.
 */
#include "io/stall.h"

#include "io/log.h"

#include <time.h>

#define NS_PER_MS 1000000ull

static double ms(uint64_t ns)
{
    return (double)ns / NS_PER_MS;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void before_wait(uv_prepare_t *h)
{
    struct ge_stall *st = h->data;
    uint64_t now = uv_hrtime();
    uint64_t idle = uv_metrics_idle_time(h->loop);
    uint64_t cpu = thread_cpu_ns();
    uint64_t wall = now - st->last_ns, waited = idle - st->last_idle_ns;
    uint64_t busy = wall > waited ? wall - waited : 0;
    uint64_t busy_cpu = cpu - st->last_cpu_ns;
    st->last_ns = now;
    st->last_idle_ns = idle;
    st->last_cpu_ns = cpu;
    if (busy < GE_STALL_LOG_MS * NS_PER_MS)
        return;
    ge_log_debug("the event loop was busy for %.1f ms (%.1f ms on the CPU) without reading input",
                 ms(busy), ms(busy_cpu));
    st->count++;
    if (busy > st->worst_ns) {
        st->worst_ns = busy;
        st->worst_cpu_ns = busy_cpu;
    }
}

int ge_stall_start(struct ge_stall *st, uv_loop_t *loop)
{
    *st = (struct ge_stall){0};
    int rc = uv_loop_configure(loop, UV_METRICS_IDLE_TIME);
    if (rc != 0)
        return rc;
    rc = uv_prepare_init(loop, &st->prepare);
    if (rc != 0)
        return rc;
    st->prepare.data = st;
    st->last_ns = uv_hrtime();
    st->last_idle_ns = uv_metrics_idle_time(loop);
    st->last_cpu_ns = thread_cpu_ns();
    uv_prepare_start(&st->prepare, before_wait);
    uv_unref((uv_handle_t *)&st->prepare);
    st->started = true;
    return 0;
}

void ge_stall_summary(struct ge_stall *st, const char *what)
{
    if (!st->started || st->count == 0)
        return;
    ge_log_info("%s ended; since the last such line the event loop was busy over %u ms %u "
                "time%s without reading input, longest %.1f ms (%.1f ms on the CPU)",
                what, GE_STALL_LOG_MS, st->count, st->count == 1 ? "" : "s", ms(st->worst_ns),
                ms(st->worst_cpu_ns));
    st->count = 0;
    st->worst_ns = 0;
    st->worst_cpu_ns = 0;
}

void ge_stall_close(struct ge_stall *st, uv_close_cb cb)
{
    if (!st->started || uv_is_closing((uv_handle_t *)&st->prepare))
        return;
    ge_stall_summary(st, "the session");
    uv_close((uv_handle_t *)&st->prepare, cb);
}
