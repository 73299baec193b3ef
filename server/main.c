/*
 * Entry point: `goescape` (or `goescape serve`) speaks LSP on stdio; `goescape check` prints
 * the findings of packages on the terminal. Usage errors exit with status 2.
 */
#include "check.h"
#include "log.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static const char usage[] =
    "usage: goescape [--log-file PATH] [--verbose]     run the language server on stdio\n"
    "       goescape check [--format text|json] [--no-tests] [--all] [--go PATH]\n"
    "                      [--tags TAGS] [DIR|PATTERN...]\n"
    "       goescape --version | --help\n"
    "\n"
    "goescape shows where Go code puts values on the heap, and why, from the Go\n"
    "compiler's escape analysis (go build -gcflags=-m=2).\n"
    "\n"
    "Server options:\n"
    "  --log-file PATH  also write the log to PATH (the log always goes to stderr)\n"
    "  --verbose        log debug details\n"
    "  --stdio          accepted for clients that pass it; stdio is the only transport\n"
    "\n"
    "check prints one line per heap escape, file:line:col: category: message, for the\n"
    "package in the current directory or the given directories and patterns (./...).\n"
    "  --format json    one JSON object: {\"findings\": [...], \"errors\": [...]}\n"
    "  --no-tests       leave out _test.go files (go build instead of go test -c)\n"
    "  --all            also print leaking parameters and values that do not escape\n"
    "  --go PATH        the go command to run (default: go)\n"
    "  --tags TAGS      build tags, as for go build -tags\n"
    "A goescape:ignore comment hides a line's findings, in the editor and in check.\n"
    "Exit status: 0 with or without findings, 1 when the build fails, 2 on bad usage.\n"
    "goescape check --help describes every flag of check.\n"
    "\n"
    "Settings, the JSON format and editor setup: see the README.\n";

int main(int argc, char **argv)
{
    const char *log_path = NULL;
#ifdef __GLIBC__
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
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return ge_check_main(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-v") == 0) {
            printf("goescape %s\n", GE_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--log-file") == 0 && i + 1 < argc) {
            log_path = argv[++i];
        } else if (strncmp(argv[i], "--log-file=", 11) == 0) {
            log_path = argv[i] + 11;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            ge_log_set_level(GE_LOG_DEBUG);
        } else if (strcmp(argv[i], "--stdio") == 0 || strcmp(argv[i], "serve") == 0) {
            continue;
        } else {
            fprintf(stderr, "goescape: unknown argument %s\n\n%s", argv[i], usage);
            return 2;
        }
    }
    if (log_path != NULL && ge_log_open(log_path) != 0)
        fprintf(stderr, "goescape: cannot open log file %s; logging to stderr only\n", log_path);
    int code = ge_server_run(log_path);
    ge_log_close();
    return code;
}
