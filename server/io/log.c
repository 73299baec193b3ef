/*
 * Timestamped log lines to stderr and an optional log file. Kept deliberately simple: the
 * server is single-threaded on its loop, and worker threads never log.
 */
#include "io/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static FILE *log_file;
static enum ge_log_level log_level = GE_LOG_INFO;

int ge_log_open(const char *path)
{
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return -errno;
    setvbuf(f, NULL, _IOLBF, 0);
    ge_log_close();
    log_file = f;
    return 0;
}

void ge_log_close(void)
{
    if (log_file != NULL)
        fclose(log_file);
    log_file = NULL;
}

void ge_log_set_level(enum ge_log_level level)
{
    log_level = level;
}

static void emit(FILE *f, const char *stamp, const char *tag, const char *fmt, va_list ap)
{
    fprintf(f, "%s goescape %s: ", stamp, tag);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
}

void ge_log(enum ge_log_level level, const char *fmt, ...)
{
    static const char *const tags[] = {"error", "warn", "info", "debug"};
    if (level > log_level)
        return;
    char stamp[32];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec / 1000000);
    va_list ap;
    va_start(ap, fmt);
    emit(stderr, stamp, tags[level], fmt, ap);
    va_end(ap);
    if (log_file != NULL) {
        va_start(ap, fmt);
        emit(log_file, stamp, tags[level], fmt, ap);
        va_end(ap);
    }
}
