/*
 * The scheduler (scheduler.h) on the server's loop: runner.c fills its ops with libuv timers,
 * the server's packages and documents, and the stages of run.h, and turns the stages' hooks
 * back into the scheduler's events.
 */
#ifndef GE_SERVER_RUN_RUNNER_H
#define GE_SERVER_RUN_RUNNER_H

#include <stdbool.h>

struct ge_server;

/* Creates s->sched from s->config; ge_sched_destroy frees it after the loop has run dry. */
void ge_runner_init(struct ge_server *s);
/* Hands the scheduler s->config after a change; rerun: a setting the go command depends on
 * changed, so every package with an open document runs again. */
void ge_runner_settings_changed(struct ge_server *s, bool rerun);

#endif
