/*
 * Delivering an applied analysis: its files' diagnostics go out a few at a time, each slice
 * publishing files until GE_DELIVER_SLICE_US of loop time has passed, so hovers and inlay hints
 * are answered between slices even while a package with thousands of findings is published. A
 * file with many findings is built over several slices (ge_publish_step). When the client reads
 * slowly, delivery waits until the output queue drains below GE_DELIVER_QUEUE_HIGH instead of
 * piling every file into it. A package's progress ends, and its waiting goescape.analyze requests
 * are answered, only once all of its files are out, so "idle" always follows the diagnostics it
 * announces.
 */
#include "run/run.h"
#include "lsp/dispatch.h"
#include "lsp/publish.h"
#include "run/workspace.h"

#define GE_DELIVER_SLICE_US   2000u
#define GE_DELIVER_QUEUE_HIGH (4u * 1024u * 1024u)
#define GE_DELIVER_BACKOFF_MS 5u

/* Reports one package of the run as published; whoever started the run decides whether its
 * analysis is over (a quick pass is followed by the full one). */
static void end_pkg(struct ge_run *run, size_t i)
{
    struct ge_run_result *res = &run->results[i];
    if (res->applied)
        run->hooks->pkg_delivered(run, i, res->ok);
}

/* Publishes (part of) the next file of run, or ends a package. Returns false once the run is
 * done. */
static bool step(struct ge_server *s, struct ge_run *run, uint64_t deadline)
{
    while (run->deliver_pkg < run->npkgs) {
        size_t i = run->deliver_pkg;
        struct ge_pkg *pkg = run->pkgs[i];
        /* A package whose documents were all closed meanwhile has had its diagnostics
         * cleared; nothing of it goes out again. */
        char *path = run->results[i].applied && pkg->nopen > 0 && pkg->files != NULL
                         ? pkg->files[run->deliver_file]
                         : NULL;
        if (path != NULL) {
            struct ge_file *f = ge_strmap_get(&s->files, path);
            if (f == NULL || ge_publish_step(s, &run->publishing, f, deadline))
                run->deliver_file++;
            return true;
        }
        end_pkg(run, i);
        run->deliver_pkg++;
        run->deliver_file = 0;
    }
    return false;
}

static void finish(struct ge_server *s, struct ge_run *run)
{
    run->delivering = false;
    if (s->caps.inlay_refresh)
        ge_request(s, "workspace/inlayHint/refresh", NULL, NULL, NULL);
    if (s->caps.codelens_refresh)
        ge_request(s, "workspace/codeLens/refresh", NULL, NULL, NULL);
    run->hooks->delivered(run);
}

static struct ge_run *next_delivering(struct ge_server *s)
{
    for (struct ge_run *r = s->runs; r != NULL; r = r->next)
        if (r->delivering)
            return r;
    return NULL;
}

static void slice(uv_idle_t *idle);

/* Slices run from an idle handle: libuv polls for I/O (with a zero timeout) between two idle
 * callbacks, so requests are read and answered between slices. A timer re-armed with a zero
 * delay would run again before the loop polls. */
static void resume(uv_timer_t *t)
{
    struct ge_server *s = t->data;
    uv_idle_start(&s->deliver, slice);
}

static void slice(uv_idle_t *idle)
{
    struct ge_server *s = idle->data;
    uint64_t deadline = uv_hrtime() + (uint64_t)GE_DELIVER_SLICE_US * 1000u;
    struct ge_run *run;
    while ((run = next_delivering(s)) != NULL) {
        if (s->transport.out_queued > GE_DELIVER_QUEUE_HIGH) {
            /* The client is behind; look again shortly instead of spinning. */
            uv_idle_stop(idle);
            uv_timer_start(&s->deliver_wait, resume, GE_DELIVER_BACKOFF_MS, 0);
            return;
        }
        if (!step(s, run, deadline))
            finish(s, run);
        if (uv_hrtime() >= deadline)
            return;
    }
    uv_idle_stop(idle);
}

void ge_deliver_start(struct ge_server *s, struct ge_run *run)
{
    run->delivering = true;
    run->deliver_pkg = 0;
    run->deliver_file = 0;
    if (!uv_is_active((uv_handle_t *)&s->deliver_wait))
        uv_idle_start(&s->deliver, slice);
}

void ge_deliver_abort(struct ge_server *s)
{
    uv_idle_stop(&s->deliver);
    uv_timer_stop(&s->deliver_wait);
    struct ge_run *run;
    while ((run = next_delivering(s)) != NULL) {
        run->delivering = false;
        run->hooks->delivered(run);
    }
}
