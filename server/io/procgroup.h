/*
 * What the processes of one process group are doing: the CPU time they have used and which
 * packages their compilers are compiling. The job runner reads it to tell a build that is busy
 * (compiling dependencies on a cold build cache prints nothing for minutes) from one that
 * hangs, and the analysis reads it to say what is being built. Only Linux offers this view
 * (through /proc); elsewhere the caller gets -ENOSYS and goes by the output alone.
 */
#ifndef GE_SERVER_PROCGROUP_H
#define GE_SERVER_PROCGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Compile processes whose package is reported, and the longest import path kept. */
#define GE_PROC_COMPILING_MAX 4
#define GE_PROC_PKG_MAX       256

struct ge_proc_sample {
    uint64_t cpu_ms; /* CPU time of the group's live processes and of the children they
                        reaped; it only grows while the group works */
    size_t nprocs;   /* live processes in the group */
    size_t ncompiling;
    char compiling[GE_PROC_COMPILING_MAX][GE_PROC_PKG_MAX]; /* the -p of each compile process */
};

/* Fills *out for process group pgid. Returns 0; -ENOSYS where the system has no such view;
 * or another negative errno. Reads a few small files per process; runs on the loop thread
 * about once a second while a go command runs. */
int ge_proc_sample_group(int pgid, struct ge_proc_sample *out);

#endif
