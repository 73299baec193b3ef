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

#endif
