/*
 * The parser against every recorded compiler output, as data. Each recording in
 * tests/fixtures/recordings and tests/fixtures/go1.19 sits beside <recording>.expected.json
 * (.json.gz for a gzipped recording), derived from the raw text by
 * tests/fixtures/recordings/expect.py, which documents how. This test parses each recording
 * and compares the report with it: line, fact and block counts, and every fact in output
 * order. Adding a Go version is a recording plus its expected file; no code changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/report.h"

#define EXPECT_SUFFIX    ".expected.json"
#define EXPECT_SUFFIX_GZ ".expected.json.gz"
#define MAX_REPORTED     20 /* mismatches printed per recording before the rest are counted */
#define MAX_NAME         512

static const char *const recording_dirs[] = {"recordings", "go1.19"};
static const char *const kind_names[] = {
    [GE_FACT_ESCAPE] = "escape",
    [GE_FACT_MOVED] = "moved",
    [GE_FACT_NOESCAPE] = "noescape",
    [GE_FACT_PARAM] = "param",
};

/* Mismatches of one recording, printed as they are found. */
struct diff {
    const char *rec;
    size_t n;
};

static void mismatch(struct diff *d, const char *fmt, ...)
{
    if (d->n++ >= MAX_REPORTED)
        return;
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    print_error("%s: %s\n", d->rec, msg);
}

static void same_size(struct diff *d, const char *what, json_t *want, size_t got)
{
    if (!json_is_integer(want))
        mismatch(d, "%s: the expected file has no number", what);
    else if ((size_t)json_integer_value(want) != got)
        mismatch(d, "%s: expected %lld, parsed %zu", what, json_integer_value(want), got);
}

static void same_str(struct diff *d, size_t i, const char *field, json_t *want, const char *got)
{
    const char *w = json_string_value(want); /* NULL for JSON null */
    if ((w == NULL) != (got == NULL) || (w != NULL && strcmp(w, got) != 0))
        mismatch(d, "fact %zu: %s expected %s%s%s, parsed %s%s%s", i, field, w ? "\"" : "",
                 w ? w : "null", w ? "\"" : "", got ? "\"" : "", got ? got : "null",
                 got ? "\"" : "");
}

static void compare_fact(struct diff *d, size_t i, json_t *want, const struct ge_fact *f)
{
    size_t steps = 0;
    for (uint32_t e = 0; e < f->nedges; e++)
        steps += f->edges[e].nsteps;
    same_str(d, i, "kind", json_object_get(want, "kind"), kind_names[f->kind]);
    same_str(d, i, "file", json_object_get(want, "file"), f->file);
    same_str(d, i, "subject", json_object_get(want, "subject"), f->subject);
    same_str(d, i, "pkg", json_object_get(want, "pkg"), f->pkg);
    same_str(d, i, "func", json_object_get(want, "func"), f->func);
    same_str(d, i, "detail", json_object_get(want, "detail"),
             f->param_detail ? f->param_detail : "");
    char at[64];
    snprintf(at, sizeof(at), "fact %zu (%s:%u:%u) line", i, f->file, f->line, f->col);
    same_size(d, at, json_object_get(want, "line"), f->line);
    snprintf(at, sizeof(at), "fact %zu (%s:%u:%u) col", i, f->file, f->line, f->col);
    same_size(d, at, json_object_get(want, "col"), f->col);
    snprintf(at, sizeof(at), "fact %zu (%s:%u:%u) edges", i, f->file, f->line, f->col);
    same_size(d, at, json_object_get(want, "edges"), f->nedges);
    snprintf(at, sizeof(at), "fact %zu (%s:%u:%u) steps", i, f->file, f->line, f->col);
    same_size(d, at, json_object_get(want, "steps"), steps);
    if (json_is_true(json_object_get(want, "test")) != f->test_build)
        mismatch(d, "fact %zu (%s:%u:%u): test build expected %d", i, f->file, f->line, f->col,
                 !f->test_build);
    if (json_is_true(json_object_get(want, "truncated")) != f->truncated)
        mismatch(d, "fact %zu (%s:%u:%u): truncated expected %d", i, f->file, f->line, f->col,
                 !f->truncated);
}

static void compare_report(struct diff *d, json_t *want, const struct ge_report *r)
{
    size_t kinds[4] = {0}, explained = 0;
    for (size_t i = 0; i < r->nfacts; i++) {
        kinds[r->facts[i].kind]++;
        explained += r->facts[i].nedges > 0;
    }
    json_t *facts = json_object_get(want, "facts");
    same_size(d, "lines", json_object_get(want, "lines"), r->nlines);
    for (size_t k = 0; k < 4; k++)
        same_size(d, kind_names[k], json_object_get(facts, kind_names[k]), kinds[k]);
    same_size(d, "explained facts", json_object_get(want, "explained"), explained);
    same_size(d, "informational lines", json_object_get(want, "info"), r->ninfo);
    same_size(d, "unknown lines", json_object_get(want, "others"), r->nothers);
    same_size(d, "unmatched blocks", json_object_get(want, "unmatched"), r->nunmatched);
    json_t *list = json_object_get(want, "list");
    if (json_array_size(list) != r->nfacts)
        mismatch(d, "facts: expected a list of %zu, parsed %zu", json_array_size(list), r->nfacts);
    for (size_t i = 0; i < r->nfacts && i < json_array_size(list); i++)
        compare_fact(d, i, json_array_get(list, i), &r->facts[i]);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Checks one expected file (dir/name); returns the number of mismatches. */
static size_t check_one(const char *dir, const char *name)
{
    char rel[MAX_NAME * 2];
    snprintf(rel, sizeof(rel), "%s/%s", dir, name);
    size_t len;
    char *text = load(rel, &len);
    json_error_t err;
    json_t *want = json_loadb(text, len, 0, &err);
    free(text);
    if (want == NULL)
        fail_msg("%s: not JSON: %s (line %d)", rel, err.text, err.line);
    const char *rec = json_string_value(json_object_get(want, "recording"));
    assert_non_null(rec);
    snprintf(rel, sizeof(rel), "%s/%s", dir, rec);
    struct diff d = {rel, 0};
    struct ge_report *r = parse_file(rel);
    compare_report(&d, want, r);
    if (d.n > MAX_REPORTED)
        print_error("%s: ... and %zu more mismatches\n", rel, d.n - MAX_REPORTED);
    print_message("%s: %zu facts, %zu lines, %zu mismatches\n", rel, r->nfacts, r->nlines, d.n);
    ge_report_destroy(r);
    json_decref(want);
    return d.n;
}

/* Is this file of a recordings directory a recording (not an expectation or a document)? */
static bool is_recording(const char *name)
{
    return name[0] != '.' && !ends_with(name, EXPECT_SUFFIX) &&
           !ends_with(name, EXPECT_SUFFIX_GZ) && !ends_with(name, ".md") &&
           !ends_with(name, ".py") &&
           (ends_with(name, ".txt") || ends_with(name, ".stderr") || ends_with(name, ".gz"));
}

static bool has_expectation(const char *dir, const char *name)
{
    char path[MAX_NAME * 3];
    snprintf(path, sizeof(path), "%s/%s/%s%s", GE_FIXTURES, dir, name,
             ends_with(name, ".gz") ? EXPECT_SUFFIX_GZ : EXPECT_SUFFIX);
    FILE *f = fopen(path, "rb");
    if (f != NULL)
        fclose(f);
    return f != NULL;
}

static void test_every_recording(void **state)
{
    (void)state;
    size_t checked = 0, bad = 0, missing = 0;
    for (size_t k = 0; k < sizeof(recording_dirs) / sizeof(recording_dirs[0]); k++) {
        char path[MAX_NAME];
        snprintf(path, sizeof(path), "%s/%s", GE_FIXTURES, recording_dirs[k]);
        DIR *dir = opendir(path);
        assert_non_null(dir);
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (ends_with(e->d_name, EXPECT_SUFFIX) || ends_with(e->d_name, EXPECT_SUFFIX_GZ)) {
                bad += check_one(recording_dirs[k], e->d_name) > 0;
                checked++;
            } else if (is_recording(e->d_name) && !has_expectation(recording_dirs[k], e->d_name)) {
                print_error("%s/%s: no expected file beside it (run expect.py)\n",
                            recording_dirs[k], e->d_name);
                missing++;
            }
        }
        closedir(dir);
    }
    print_message("%zu recordings compared\n", checked);
    assert_true(checked >= 5);
    assert_int_equal(missing, 0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_recording),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
