/*
 * Sampling a process group. On Linux every process's /proc/<pid>/stat names its group and its
 * CPU time, and a compile process's /proc/<pid>/cmdline holds the "-p <import path>" the go
 * command gave it. Elsewhere there is no portable view, and the plain fallback says so.
 */
#include "io/procgroup.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#ifdef __linux__

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Largest /proc file read: stat lines are short; a compiler's -p comes early in its argv. */
#define GE_PROC_READ_MAX 8192

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

/* The -p value when argv (NUL-separated, n bytes) is a go compile process. */
static const char *compile_pkg(const char *argv, size_t n)
{
    const char *base = strrchr(argv, '/');
    base = base ? base + 1 : argv;
    if (strcmp(base, "compile") != 0)
        return NULL;
    for (size_t i = strlen(argv) + 1; i < n; i += strlen(argv + i) + 1)
        if (strcmp(argv + i, "-p") == 0 && i + 3 < n)
            return argv + i + 3;
    return NULL;
}

static void add_compiling(const char *pid, struct ge_proc_sample *out)
{
    char path[300], buf[GE_PROC_READ_MAX];
    snprintf(path, sizeof path, "/proc/%s/cmdline", pid);
    ssize_t n = read_small(path, buf, sizeof buf);
    const char *pkg = n > 0 ? compile_pkg(buf, (size_t)n) : NULL;
    if (pkg != NULL && out->ncompiling < GE_PROC_COMPILING_MAX)
        snprintf(out->compiling[out->ncompiling++], GE_PROC_PKG_MAX, "%s", pkg);
}

/* Reads the group and the CPU ticks (utime + stime + cutime + cstime) from a stat line. The
 * command name may hold anything, spaces and ')' included, so fields are counted from the
 * last ')': state is the 3rd field, pgrp the 5th, utime .. cstime the 14th .. 17th. */
static bool parse_stat(char *line, long long *pgrp, uint64_t *ticks)
{
    char *p = strrchr(line, ')');
    if (p == NULL)
        return false;
    char *save = NULL;
    int field = 3;
    *ticks = 0;
    for (char *tok = strtok_r(p + 1, " ", &save); tok != NULL && field <= 17;
         tok = strtok_r(NULL, " ", &save), field++) {
        if (field == 5)
            *pgrp = strtoll(tok, NULL, 10);
        else if (field >= 14)
            *ticks += strtoull(tok, NULL, 10);
    }
    return field > 17;
}

int ge_proc_sample_group(int pgid, struct ge_proc_sample *out)
{
    memset(out, 0, sizeof *out);
    long hz = sysconf(_SC_CLK_TCK);
    DIR *d = opendir("/proc");
    if (d == NULL || hz <= 0) {
        int rc = d == NULL ? -errno : -ENOSYS;
        if (d != NULL)
            closedir(d);
        return rc;
    }
    uint64_t ticks = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        /* The group's processes were started after its leader, so with ascending process
         * ids only the newer ones are read: a few files instead of one per process of the
         * machine. After the ids wrap, a compiler with a lower id is missed until the go
         * command reaps it; its CPU time then shows in the leader's children's time. */
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) < pgid)
            continue;
        char path[300], buf[1024];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        if (read_small(path, buf, sizeof buf) <= 0)
            continue;
        long long pgrp = 0;
        uint64_t t = 0;
        if (!parse_stat(buf, &pgrp, &t) || pgrp != pgid)
            continue;
        out->nprocs++;
        ticks += t;
        add_compiling(e->d_name, out);
    }
    closedir(d);
    out->cpu_ms = ticks * 1000u / (uint64_t)hz;
    return 0;
}

#else

int ge_proc_sample_group(int pgid, struct ge_proc_sample *out)
{
    (void)pgid;
    memset(out, 0, sizeof *out);
    return -ENOSYS;
}

#endif
