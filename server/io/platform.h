/*
 * The platform seam: everything the server does that differs between operating systems sits
 * behind these few functions, each defined once per system in server/platform_<system>.c,
 * which CMake picks. Porting goescape to another system means adding one such file.
 * Everything else in the server is portable through libuv and POSIX.
 */
#ifndef GE_PLATFORM_H
#define GE_PLATFORM_H

#include <uv.h>

/*
 * Tunes the allocator for the server's pattern of use (megabytes of blocks allocated on the
 * thread pool and freed together when the next analysis lands). Called once from main before
 * any thread starts; settings the user gives in the environment win. Cannot fail: where the
 * allocator has no such settings it does nothing.
 */
void ge_platform_tune_allocator(void);

/*
 * Gives the memory the allocator holds free back to the system. Runs on libuv's thread pool,
 * so it may take a while. Does nothing where the allocator returns memory by itself.
 */
void ge_platform_trim_memory(void);

/*
 * Lowers the scheduling priority of the new process group led by pid to the nice value nice,
 * so that the compilers it starts yield the CPU to the editor and the server. Failures are
 * logged at debug level and cost only the priority.
 */
void ge_platform_lower_priority(uv_pid_t pid, int nice);

/*
 * The name of the null device, which the go command writes its binaries to when goescape
 * wants only the compiler's diagnostics. Borrowed, static.
 */
const char *ge_platform_null_device(void);

/*
 * The argument that runs the server's binary as the guard of a child (main hands the whole
 * argv to ge_platform_guard_main before anything else). Not meant for users.
 */
#define GE_PLATFORM_GUARD_ARG "--guard-child"

/*
 * Ties a child's life to the server's, so that a server killed by SIGKILL, which has no time
 * to stop its go commands or its gopls, takes them and every process they started along.
 * Where the system can, returns the argv to spawn in place of path (resolved already) and
 * argv: the server's own binary run as the guard, which starts path with argv, stays as its
 * parent, and kills the child's process group when the thread that spawned the guard ends.
 * The spawn must be made from the loop thread, which lives as long as the server. One
 * allocation, freed with free(); *file_out (borrowed, static) is what to spawn. NULL where
 * the system has no such means: the child is then spawned as it is, and outlives a killed
 * server until it ends by itself.
 */
char **ge_platform_guard_argv(const char *path, char *const *argv, const char **file_out);

/*
 * The guard: argv is {binary, GE_PLATFORM_GUARD_ARG, the server's pid, path, argv0, args...}.
 * Returns the child's exit status, or ends by the signal that ended the child; 127 when path
 * could not be run, as a shell says.
 */
int ge_platform_guard_main(int argc, char **argv);

#endif
