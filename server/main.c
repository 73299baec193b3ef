/*
 * Entry point: `goescape` (or `goescape serve`) speaks LSP on stdio; `goescape check` prints
 * the findings of packages on the terminal. Usage errors exit with status 2.
 */
#include "check/check.h"
#include "companion/companion.h"
#include "config.h"
#include "io/log.h"
#include "io/platform.h"
#include "server.h"

#include "version.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static const char usage[] =
    "usage: goescape [--log-file PATH] [--verbose]     run the language server on stdio\n"
    "       goescape --gopls[=PATH] [-- GOPLS-ARGS...] the same, with gopls behind it\n"
    "       goescape check [--format text|json] [--no-tests] [--all] [--go PATH]\n"
    "                      [--tags TAGS] [DIR|PATTERN...]\n"
    "       goescape --version | --help | --print-settings\n"
    "\n"
    "goescape shows where Go code puts values on the heap, and why, from the Go\n"
    "compiler's escape analysis (go build -gcflags=-m=2).\n"
    "\n"
    "Server options:\n"
    "  --log-file PATH  also write the log to PATH (the log always goes to stderr)\n"
    "  --verbose        log debug details\n"
    "  --stdio          accepted for clients that pass it; stdio is the only transport\n"
    "  --print-settings print every setting, its type and default, and the finding\n"
    "                   categories, as JSON\n"
    "  --gopls[=PATH]   companion mode: run gopls (or PATH) as a child and serve both;\n"
    "                   arguments after -- go to gopls\n"
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

/* The version and commit this binary was built from, and the versions of the libraries it
 * runs with, so a bug report names exactly what was running. */
static void print_version(void)
{
    char pcre2[64] = "unknown";
    if (pcre2_config(PCRE2_CONFIG_VERSION, NULL) <= (int)sizeof pcre2)
        pcre2_config(PCRE2_CONFIG_VERSION, pcre2);
    printf("goescape %s\n"
           "commit %s\n"
           "libuv %s\n"
           "jansson %s\n"
           "pcre2 %s\n",
           GE_BUILD_VERSION, GE_BUILD_COMMIT, uv_version_string(), jansson_version_str(), pcre2);
}

int main(int argc, char **argv)
{
    const char *log_path = NULL;
    if (argc > 1 && strcmp(argv[1], GE_PLATFORM_GUARD_ARG) == 0)
        return ge_platform_guard_main(argc, argv);
    ge_platform_tune_allocator();
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return ge_check_main(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-v") == 0) {
            print_version();
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--print-settings") == 0) {
            json_t *all = ge_config_describe();
            json_dumpf(all, stdout, JSON_INDENT(2));
            putchar('\n');
            json_decref(all);
            return 0;
        } else if (strcmp(argv[i], "--log-file") == 0 && i + 1 < argc) {
            log_path = argv[++i];
        } else if (strncmp(argv[i], "--log-file=", 11) == 0) {
            log_path = argv[i] + 11;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            ge_log_set_level(GE_LOG_DEBUG);
        } else if (strcmp(argv[i], "--gopls") == 0 || strncmp(argv[i], "--gopls=", 8) == 0) {
            const char *path = argv[i][7] == '=' ? argv[i] + 8 : NULL;
            char **extra = NULL;
            for (int j = i + 1; j < argc; j++)
                if (strcmp(argv[j], "--") == 0) {
                    extra = argv + j + 1;
                    argc = j; /* what follows -- is gopls's */
                    break;
                }
            if (path != NULL && *path == '\0') {
                fprintf(stderr, "goescape: --gopls= needs a path\n");
                return 2;
            }
            ge_companion_configure(path, extra);
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
