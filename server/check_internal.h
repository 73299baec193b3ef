/*
 * Shared between check.c (flags, package listing, running the go command) and check_emit.c
 * (turning one package's compiler output into printed findings). Private to `goescape check`.
 *
 * Memory stays flat however large the repository is: while the go command runs, its output
 * is split at the "# package" lines that open each block and appended to a spool, an unlinked
 * file in $TMPDIR; afterwards each package's blocks are read back, parsed, placed, printed and
 * freed, one package at a time.
 */
#ifndef GE_SERVER_CHECK_INTERNAL_H
#define GE_SERVER_CHECK_INTERNAL_H

#include "config.h"
#include "strmap.h"
#include "goescape/report.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>

/* Compiler output one go command may leave in the spool (the standard library with -m=2
 * prints about 150 MB); past it the go command is stopped and the run fails. */
#define GE_CHECK_SPOOL_MAX ((size_t)4 << 30)
/* Error lines kept for the report; the rest are counted. */
#define GE_CHECK_ERRORS_MAX 2000u
/* Longest "# package" line looked at; a longer one is kept as output of the block before. */
#define GE_CHECK_HEADER_MAX 4096u
/* One read of the spool while a package's output is parsed. */
#define GE_CHECK_READ_SIZE (64u * 1024u)

/* A stretch of the spool. */
struct check_extent {
    size_t off;
    size_t len;
};

struct check_pkg {
    char *import_path;
    char *dir;
    char *modroot; /* NULL for the standard library */
    char **files;  /* base names */
    size_t nfiles;
    struct check_extent *ext; /* owned: its compiler output in the spool, in output order */
    size_t next;
};

/* The spool: compiler output of one go command, on disk. */
struct check_spool {
    int fd; /* -1 when none */
    size_t size;
};

struct check {
    struct ge_config config;
    bool json;
    char cwd[PATH_MAX];
    struct check_pkg *pkgs;
    size_t npkgs;
    struct ge_strmap by_path; /* import path -> struct check_pkg * (borrowed) */
    json_t *errors;           /* error lines, for --format json */
    size_t nerrors;           /* error lines seen, kept or not */
    bool failed;
    size_t nprinted; /* findings printed so far */
    struct ge_parser *parser;
    struct check_spool spool;
    int spool_error; /* a write to the spool failed: the run fails */
    /* The block being spooled: its package (NULL for lines outside the given packages) and
     * a header line still arriving. */
    struct check_pkg *block;
    struct check_extent *other; /* owned: output outside the packages (go's own errors) */
    size_t nother;
    bool line_start;
    char header[GE_CHECK_HEADER_MAX];
    size_t header_len;
    bool in_header;
    /* The file whose text emission last read. */
    char *text;
    char *text_path;
    size_t text_len;
    unsigned text_gen; /* counts the reads, so a line index knows its text */
};

/* Appends data to the spool and to *ext (merged with its last stretch when adjacent).
 * Returns 0 or a negative errno (disk full: the run fails with that error). */
int ge_check_spool_append(struct check *c, struct check_extent **ext, size_t *n, const char *data,
                          size_t len);
/* Parses the spooled stretches, builds and prints pkg's findings (pkg NULL: only collects the
 * error lines of output outside the packages). failed says whether the go command failed, so
 * the report's unknown lines are errors. */
void ge_check_emit_pkg(struct check *c, const struct check_pkg *pkg, const struct check_extent *ext,
                       size_t n, bool failed);
/* Records one error line: stderr now, and the JSON report at the end. */
void ge_check_error(struct check *c, const char *line);
/* The JSON document's opening and end (after every package). */
void ge_check_emit_begin(struct check *c);
void ge_check_emit_end(struct check *c);

#endif
