/*
 * Server logging. Lines go to stderr and, when --log-file was given, to that file. stdout is
 * never touched: it carries only the protocol. Runs on the loop thread only.
 */
#ifndef GE_SERVER_LOG_H
#define GE_SERVER_LOG_H

enum ge_log_level { GE_LOG_ERROR, GE_LOG_WARN, GE_LOG_INFO, GE_LOG_DEBUG };

/* Opens path for appending (borrowed). Returns 0 or a negative errno. */
int ge_log_open(const char *path);
void ge_log_close(void);
void ge_log_set_level(enum ge_log_level level);
void ge_log(enum ge_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ge_log_error(...) ge_log(GE_LOG_ERROR, __VA_ARGS__)
#define ge_log_warn(...)  ge_log(GE_LOG_WARN, __VA_ARGS__)
#define ge_log_info(...)  ge_log(GE_LOG_INFO, __VA_ARGS__)
#define ge_log_debug(...) ge_log(GE_LOG_DEBUG, __VA_ARGS__)

#endif
