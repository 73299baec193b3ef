/*
 * Fixture helpers shared by the analysis unit tests: loading a recording (gzipped or not)
 * from tests/fixtures and parsing it. Test-only; the cmocka headers come first.
 */
#ifndef GE_TEST_FIXTURE_H
#define GE_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/report.h"

/* Reads tests/fixtures/<rel> (gunzipping *.gz) into a new NUL-terminated buffer. */
static inline char *load(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", GE_FIXTURES, rel);
    bool gz = strlen(path) > 3 && strcmp(path + strlen(path) - 3, ".gz") == 0;
    char cmd[1100];
    snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
    FILE *f = gz ? popen(cmd, "r") : fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    if (gz)
        assert_int_equal(pclose(f), 0);
    else
        fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Parses tests/fixtures/<rel> into a new report. */
static inline struct ge_report *parse_file(const char *rel)
{
    size_t n;
    char *d = load(rel, &n);
    struct ge_parser *p = NULL;
    assert_int_equal(ge_parser_create(&p), 0);
    struct ge_report *r = NULL;
    assert_int_equal(ge_parse(p, d, n, &r), 0);
    ge_parser_destroy(p);
    free(d);
    return r;
}

#endif
