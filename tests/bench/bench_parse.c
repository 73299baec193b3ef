/*
 * Parser throughput. Loads each recording named on the command line (plain text; decompress
 * .gz recordings first), pins itself to one CPU, and reports the best of several runs of
 * ge_parse next to a plain memchr line count over the same bytes, which is the floor any
 * line-based parser pays:
 *
 *   bench_parse net126.txt  ->  parse_mbps_net126=...  memchr_mbps_net126=...
 *
 * The name is the file's base name up to its first '.'.
 */
#define _GNU_SOURCE
#include "goescape/report.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each measurement runs at least this long and this many times; the best run counts. */
#define BENCH_MIN_SECONDS 1.0
#define BENCH_MIN_RUNS    10

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int pin_to_one_cpu(void)
{
    int cpu = sched_getcpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu < 0 ? 0 : cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        return -errno;
    return cpu < 0 ? 0 : cpu;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 20, n = 0, k;
    char *buf = ge_xmalloc(cap);
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            buf = ge_xrealloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

static size_t count_lines(const char *d, size_t n)
{
    size_t lines = 0;
    const char *end = d + n;
    for (const char *p = d; p < end; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl != NULL ? nl + 1 : end;
    }
    return lines;
}

/* Best seconds per pass of parse (or memchr when parser is NULL). */
static double best_time(struct ge_parser *parser, const char *d, size_t n, size_t *sink)
{
    double best = 1e30, start = now();
    for (int runs = 0; runs < BENCH_MIN_RUNS || now() - start < BENCH_MIN_SECONDS; runs++) {
        double t0 = now();
        if (parser != NULL) {
            struct ge_report *r = NULL;
            ge_parse(parser, d, n, &r);
            *sink += r->nfacts;
            ge_report_destroy(r);
        } else {
            *sink += count_lines(d, n);
        }
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

static void name_of(const char *path, char *name, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    size_t n = strcspn(base, ".");
    snprintf(name, cap, "%.*s", (int)n, base);
}

static int bench_file(struct ge_parser *parser, const char *path)
{
    size_t n = 0, sink = 0;
    char *d = slurp(path, &n);
    if (d == NULL) {
        fprintf(stderr, "bench_parse: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char name[256];
    name_of(path, name, sizeof(name));
    double tp = best_time(parser, d, n, &sink);
    double tm = best_time(NULL, d, n, &sink);
    printf("bytes_%s=%zu\n", name, n);
    printf("parse_mbps_%s=%.1f\n", name, (double)n / tp / 1e6);
    printf("memchr_mbps_%s=%.1f\n", name, (double)n / tm / 1e6);
    fflush(stdout);
    free(d);
    return sink == 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_parse RECORDING...\n");
        return 2;
    }
    int cpu = pin_to_one_cpu();
    if (cpu < 0)
        fprintf(stderr, "bench_parse: cannot pin to one CPU: %s\n", strerror(-cpu));
    else
        printf("cpu=%d\n", cpu);
    struct ge_parser *parser = NULL;
    if (ge_parser_create(&parser) != 0) {
        fprintf(stderr, "bench_parse: cannot create the parser\n");
        return 1;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= bench_file(parser, argv[i]) != 0;
    ge_parser_destroy(parser);
    return rc;
}
