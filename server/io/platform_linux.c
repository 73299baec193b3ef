/*
 * The platform seam on Linux, with glibc or musl. glibc's allocator is tuned and trimmed; musl
 * has neither mallopt nor malloc_trim (its allocator unmaps freed memory by itself), which
 * CMake detects (GE_HAVE_MALLOPT, GE_HAVE_MALLOC_TRIM) so no libc is named here. The
 * compiler's priority is lowered for its process group and for its autogroup.
 */
#include "io/platform.h"

#include "io/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if GE_HAVE_MALLOPT || GE_HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

void ge_platform_tune_allocator(void)
{
#if GE_HAVE_MALLOPT
    /* The thread pool's parse and placement allocate from the main arena too, so their peaks
     * share its free memory instead of adding arenas of their own (MALLOC_ARENA_MAX in the
     * environment still decides). */
    if (getenv("MALLOC_ARENA_MAX") == NULL)
        mallopt(M_ARENA_MAX, 1);
    /* An analysis allocates megabytes in blocks of tens of kilobytes (report arena, finding
     * pools, file texts) and frees them in another order when the next one lands. A fixed
     * threshold puts every block of 64 KiB or more in its own mapping, returned to the system
     * on free; glibc's sliding default would move them into the heap, where the holes they
     * leave raise the peak resident size by a fifth (MALLOC_MMAP_THRESHOLD_ still decides). */
    if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL)
        mallopt(M_MMAP_THRESHOLD, 64 * 1024);
#endif
}

void ge_platform_trim_memory(void)
{
#if GE_HAVE_MALLOC_TRIM
    malloc_trim(0);
#endif
}

/*
 * The nice value of the group's leader is inherited by every compiler it starts. The leader
 * also has a session, and so an autogroup, of its own, and the scheduler weighs autogroups
 * against each other first, so the autogroup's nice value is lowered as well. An otherwise
 * idle machine still runs the compiler at full speed.
 */
void ge_platform_lower_priority(uv_pid_t pid, int nice)
{
    if (setpriority(PRIO_PGRP, (id_t)pid, nice) != 0)
        ge_log_debug("cannot lower the priority of process %d: %s", (int)pid, strerror(errno));
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/autogroup", (int)pid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char value[16];
    int n = snprintf(value, sizeof value, "%d", nice);
    if (write(fd, value, (size_t)n) != n)
        ge_log_debug("cannot lower the autogroup priority of process %d: %s", (int)pid,
                     strerror(errno));
    close(fd);
}

const char *ge_platform_null_device(void)
{
    return "/dev/null";
}
