/*
 * The loop-stall log. Busy time is the time from the end of one wait in the poller to the
 * start of the next, both on the loop's millisecond clock: libuv sets that clock when a wait
 * ends, so a check handle (which runs after that wait's I/O callbacks) still finds the time it
 * ended, and the prepare handle before the next wait sets it again. It covers I/O callbacks,
 * check and close callbacks, timers and idle handles. Each stall is a debug line; an analysis
 * on a loaded machine has dozens of them, which at info level drowned everything else, so
 * info gets one summary when an analysis ends.
 *
 * The CPU clock of the thread is a system call, not a vDSO read, so it is read before a wait
 * only when the last read is a millisecond old or more, and at the end of each stall. A
 * stall's CPU time may then include up to a millisecond of work from just before it.
 * (uv_metrics_idle_time would give the waits' length to the nanosecond, but it costs an extra
 * poll per iteration, and the log has no use for more than milliseconds.)
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

static void after_events(uv_check_t *h)
{
    struct ge_stall *st = h->data;
    st->woke_ms = uv_now(h->loop);
}

static void before_wait(uv_prepare_t *h)
{
    struct ge_stall *st = h->data;
    uv_update_time(h->loop);
    uint64_t now = uv_now(h->loop);
    uint64_t busy = now > st->woke_ms ? (now - st->woke_ms) * NS_PER_MS : 0;
    if (busy < GE_STALL_LOG_MS * NS_PER_MS) {
        if (now > st->cpu_ms) {
            st->cpu_ns = thread_cpu_ns();
            st->cpu_ms = now;
        }
        return;
    }
    uint64_t cpu = thread_cpu_ns();
    uint64_t busy_cpu = cpu - st->cpu_ns;
    st->cpu_ns = cpu;
    st->cpu_ms = now;
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
    int rc = uv_prepare_init(loop, &st->prepare);
    if (rc != 0)
        return rc;
    uv_check_init(loop, &st->check); /* cannot fail once a prepare handle could be made */
    st->prepare.data = st;
    st->check.data = st;
    st->woke_ms = uv_now(loop);
    st->cpu_ms = st->woke_ms;
    st->cpu_ns = thread_cpu_ns();
    uv_prepare_start(&st->prepare, before_wait);
    uv_check_start(&st->check, after_events);
    uv_unref((uv_handle_t *)&st->prepare);
    uv_unref((uv_handle_t *)&st->check);
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
    uv_close((uv_handle_t *)&st->check, cb);
}
