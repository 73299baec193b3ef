/*
 * The platform seam on macOS. Its allocator returns free memory to the system by itself and
 * has no settings worth changing, so tuning and trimming do nothing. The compiler's priority
 * is lowered for its process group, whose nice value every compiler the go command starts
 * inherits. macOS has no parent-death signal: a child outlives a server killed by SIGKILL
 * until it ends by itself (gopls when its input closes, a go command when its build is done).
 */
#include "io/platform.h"

#include "io/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

void ge_platform_tune_allocator(void)
{
}

void ge_platform_trim_memory(void)
{
}

void ge_platform_lower_priority(uv_pid_t pid, int nice)
{
    if (setpriority(PRIO_PGRP, (id_t)pid, nice) != 0)
        ge_log_debug("cannot lower the priority of process %d: %s", (int)pid, strerror(errno));
}

const char *ge_platform_null_device(void)
{
    return "/dev/null";
}

char **ge_platform_guard_argv(const char *path, char *const *argv, const char **file_out)
{
    (void)path;
    (void)argv;
    (void)file_out;
    return NULL;
}

int ge_platform_guard_main(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "goescape: %s is for the server's own use\n", argv[1]);
    return 2;
}
