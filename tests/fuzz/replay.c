/*
 * A stand-in for libFuzzer's driver: runs a fuzz target once over each file of the corpus
 * and regression directories given on the command line. Built with every normal test build,
 * so the seeds and every input that once crashed a target run in `make test` (under the
 * sanitizers too) without clang.
 *
 * Replaying nothing proves nothing: when no input was found (a corpus directory missing or
 * empty), the run is skipped (exit status REPLAY_SKIPPED, which ctest reports as a skip), or
 * fails under CI=true or with --require-inputs, naming the directories it looked in.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The status ctest's SKIP_RETURN_CODE maps to a skipped test (tests/fuzz/CMakeLists.txt). */
#define REPLAY_SKIPPED 77

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *data = malloc(cap);
    size_t n;
    while (data != NULL && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            data = realloc(data, cap *= 2);
    }
    fclose(f);
    if (data == NULL)
        return 1;
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int run_path(const char *path, int *count)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0; /* a target without regressions has no directory */
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return run_file(path);
    }
    DIR *d = opendir(path);
    struct dirent *e;
    int rc = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        rc |= run_path(sub, count);
    }
    if (d != NULL)
        closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    const char *ci = getenv("CI");
    bool strict = ci != NULL && strcmp(ci, "true") == 0;
    int count = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--require-inputs") == 0)
            strict = true;
        else
            rc |= run_path(argv[i], &count);
    }
    printf("replayed %d inputs\n", count);
    if (count > 0)
        return rc;
    fprintf(stderr, "replay: no input found in");
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--require-inputs") != 0)
            fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "%s\n", strict ? "; a replay of nothing fails under CI" : "; skipped");
    return strict ? 1 : REPLAY_SKIPPED;
}
