/*
 * The loop-stall log. Busy time between two prepare callbacks is the wall time between them
 * minus what the loop spent blocked in the poller (uv_metrics_idle_time); it covers timers,
 * I/O callbacks, idle and check handles, and close callbacks of one iteration.
 */
#include "stall.h"

#include "log.h"

#include <time.h>

#define NS_PER_MS 1000000ull

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void report(struct ge_stall *st)
{
    if (st->pending == 0)
        return;
    if (st->pending == 1)
        ge_log_info("the event loop was busy for %.1f ms (%.1f ms on the CPU) without reading "
                    "input",
                    (double)st->worst_ns / NS_PER_MS, (double)st->worst_cpu_ns / NS_PER_MS);
    else
        ge_log_info("the event loop was busy for up to %.1f ms (up to %.1f ms on the CPU) "
                    "without reading input, %u times in the last second",
                    (double)st->worst_ns / NS_PER_MS, (double)st->worst_cpu_ns / NS_PER_MS,
                    st->pending);
    st->pending = 0;
    st->worst_ns = 0;
    st->worst_cpu_ns = 0;
}

static void flush_fired(uv_timer_t *t)
{
    struct ge_stall *st = t->data;
    report(st);
    st->logged_ns = uv_hrtime();
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
    if (busy >= GE_STALL_LOG_MS * NS_PER_MS) {
        st->pending++;
        if (busy > st->worst_ns)
            st->worst_ns = busy;
        if (busy_cpu > st->worst_cpu_ns)
            st->worst_cpu_ns = busy_cpu;
    }
    if (st->pending == 0)
        return;
    uint64_t since = now - st->logged_ns;
    if (since >= 1000 * NS_PER_MS) {
        report(st);
        st->logged_ns = now;
    } else if (!uv_is_active((uv_handle_t *)&st->flush)) {
        uv_timer_start(&st->flush, flush_fired, (1000 * NS_PER_MS - since) / NS_PER_MS + 1, 0);
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
    uv_timer_init(loop, &st->flush);
    uv_unref((uv_handle_t *)&st->flush);
    st->flush.data = st;
    st->prepare.data = st;
    st->last_ns = uv_hrtime();
    st->last_idle_ns = uv_metrics_idle_time(loop);
    st->last_cpu_ns = thread_cpu_ns();
    uv_prepare_start(&st->prepare, before_wait);
    uv_unref((uv_handle_t *)&st->prepare);
    st->started = true;
    return 0;
}

void ge_stall_close(struct ge_stall *st, uv_close_cb cb)
{
    if (!st->started || uv_is_closing((uv_handle_t *)&st->prepare))
        return;
    report(st);
    uv_close((uv_handle_t *)&st->prepare, cb);
    uv_close((uv_handle_t *)&st->flush, cb);
}
