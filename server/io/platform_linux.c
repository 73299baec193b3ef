/*
 * The platform seam on Linux, with glibc or musl. glibc's allocator is tuned and trimmed; musl
 * has neither mallopt nor malloc_trim (its allocator unmaps freed memory by itself), which
 * CMake detects (GE_HAVE_MALLOPT, GE_HAVE_MALLOC_TRIM) so no libc is named here. The
 * compiler's priority is lowered for its process group and for its autogroup. Children are
 * tied to the server with PR_SET_PDEATHSIG, set by the server's binary as their guard.
 */
#include "io/platform.h"

#include "io/log.h"
#include "goescape/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

/* The server's own binary, as the system names it at the first spawn (uv_exepath reads
 * /proc/self/exe), or NULL. Executing /proc/self/exe itself would survive an update of the
 * file in place, but under qemu-user that link names the emulator, not the program. */
static const char *self_path(void)
{
    static char path[4096];
    static int known = -1;
    if (known < 0) {
        size_t n = sizeof path;
        known = uv_exepath(path, &n) == 0 && n > 0 && n < sizeof path;
    }
    return known ? path : NULL;
}

/* Whether the system runs the server's binary as a new program at all, asked once by running
 * the guard's probe (it only exits 0). Under qemu-user without binfmt_misc, for one, the
 * emulated server cannot execute itself; its children are then spawned unguarded. Blocks for
 * the probe's few milliseconds, once. */
static bool guard_runs(const char *self)
{
    static int runs = -1;
    if (runs >= 0)
        return runs;
    runs = 0;
    char *argv[] = {"goescape", GE_PLATFORM_GUARD_ARG, "--probe", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execv(self, argv);
        _exit(127);
    }
    int status;
    while (pid > 0 && waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return runs;
    runs = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!runs)
        ge_log_info("cannot run %s as the guard of child processes: a killed server's children "
                    "will outlive it",
                    self);
    return runs;
}

char **ge_platform_guard_argv(const char *path, char *const *argv, const char **file_out)
{
    /* A binary removed or replaced by a broken one since is skipped: the child then runs
     * unguarded rather than not at all. */
    const char *self = self_path();
    if (self == NULL || access(self, X_OK) != 0 || !guard_runs(self))
        return NULL;
    size_t n = 0;
    while (argv[n] != NULL)
        n++;
    /* {self, flag, pid, path, argv..., NULL}, with the pid's digits after the pointers. */
    size_t ptrs = (n + 5) * sizeof(char *);
    char **out = ge_xmalloc(ptrs + 24);
    char *pid = (char *)out + ptrs;
    snprintf(pid, 24, "%ld", (long)getpid());
    out[0] = "goescape";
    out[1] = GE_PLATFORM_GUARD_ARG;
    out[2] = pid;
    out[3] = (char *)path;
    for (size_t i = 0; i <= n; i++)
        out[4 + i] = argv[i];
    *file_out = self;
    return out;
}

static volatile pid_t guarded_pid;

/* The server is gone: the whole process group goes, the guard with it. A guard that does not
 * lead its group (run by hand) kills only its child. */
static void parent_died(int sig)
{
    (void)sig;
    if (getpgrp() == getpid())
        kill(0, SIGKILL);
    if (guarded_pid > 0)
        kill(guarded_pid, SIGKILL);
    _exit(128 + SIGKILL);
}

static void set_handler(int sig, void (*handler)(int))
{
    struct sigaction sa = {.sa_handler = handler};
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* The guard ends as its child did, so the server reads the child's status from it. */
static int end_as(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    int sig = WTERMSIG(status);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    set_handler(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    return 128 + sig;
}

/*
 * The guard leads the child's process group (the server spawns it detached) and stays as its
 * parent: when the thread that spawned it ends, the kernel sends it SIGUSR1
 * (PR_SET_PDEATHSIG), and it kills the group, so the compilers a go command started go too,
 * not only the go command. SIGTERM, SIGINT and SIGHUP reach the child from the server through
 * the group; the guard ignores them and waits for the child, whose status it then takes.
 */
int ge_platform_guard_main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "--probe") == 0)
        return 0;
    if (argc < 5) {
        fprintf(stderr, "goescape: %s is for the server's own use\n", GE_PLATFORM_GUARD_ARG);
        return 2;
    }
    prctl(PR_SET_NAME, "goescape-guard");
    static const int passed[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++)
        set_handler(passed[i], SIG_IGN);
    set_handler(SIGUSR1, parent_died);
    /* The parent may have died between fork and prctl: then no signal would ever come. */
    if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0)
        fprintf(stderr, "goescape: cannot tie %s to the server: %s\n", argv[3], strerror(errno));
    else if ((long)getppid() != strtol(argv[2], NULL, 10))
        parent_died(SIGUSR1);
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++)
            set_handler(passed[i], SIG_DFL);
        set_handler(SIGUSR1, SIG_DFL);
        execv(argv[3], argv + 4);
        fprintf(stderr, "goescape: cannot run %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "goescape: cannot run %s: %s\n", argv[3], strerror(errno));
        return 127;
    }
    guarded_pid = pid;
    /* The child has the server's pipes; the guard needs none of them. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 127;
    return end_as(status);
}
