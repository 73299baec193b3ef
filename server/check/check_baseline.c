/*
 * `goescape check`'s baselines and the findings kept for them. A baseline is the set of
 * fingerprints (goescape/fingerprint.h) of accepted findings, one JSON object per line,
 * sorted, so that a change to it reviews as a diff of whole findings. Reading it is capped
 * and strict: a line that is not an object with a fingerprint is an error with its line
 * number, never a silently smaller baseline. Writing goes through a temporary file and a
 * rename, so an interrupted run leaves the old baseline whole.
 */
#include "check/check_internal.h"

#include "io/fileio.h"
#include "strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Returns 0 when line[0..n) was blank or one fingerprint, added to c->baseline. */
static int baseline_line(struct check *c, const char *line, size_t n, size_t lineno)
{
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    if (n == 0)
        return 0;
    json_error_t jerr;
    json_t *o = json_loadb(line, n, 0, &jerr);
    const char *fp = NULL;
    if (o == NULL || json_unpack_ex(o, &jerr, 0, "{s:s}", "fingerprint", &fp) != 0 ||
        strlen(fp) != GE_FINGERPRINT_HEX || strspn(fp, "0123456789abcdef") != GE_FINGERPRINT_HEX) {
        fprintf(stderr,
                "goescape check: %s:%zu: not a baseline entry (want one JSON object with a "
                "16-digit hex \"fingerprint\" per line): %s\n",
                c->baseline_path, lineno, o == NULL ? jerr.text : "no valid fingerprint");
        json_decref(o);
        return -EINVAL;
    }
    ge_strmap_put(&c->baseline, fp, c);
    json_decref(o);
    return 0;
}

int ge_check_baseline_load(struct check *c)
{
    size_t len = 0;
    char *text = ge_file_read(c->baseline_path, GE_CHECK_BASELINE_MAX, &len);
    if (text == NULL) {
        int err = errno;
        if (err == ENOBUFS)
            fprintf(stderr, "goescape check: baseline %s is larger than %zu MB\n", c->baseline_path,
                    GE_CHECK_BASELINE_MAX >> 20);
        else
            fprintf(stderr, "goescape check: cannot read baseline %s: %s\n", c->baseline_path,
                    strerror(err));
        return -err;
    }
    int rc = 0;
    size_t lineno = 1;
    for (size_t off = 0; off < len && rc == 0; lineno++) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        rc = baseline_line(c, text + off, end - off, lineno);
        off = end + 1;
    }
    free(text);
    c->have_baseline = rc == 0;
    return rc;
}

void ge_check_baseline_add(struct check *c, const char *pkg, const struct ge_finding *f,
                           const char *fingerprint, const char *file, unsigned line)
{
    if (c->write_baseline == NULL)
        return;
    char *where = ge_xasprintf("%s:%u", file, line);
    /* Key order is the sort order: a package's findings stay together, by function. */
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "package", pkg, "function",
                          f->func ? f->func : "", "category", ge_category_name(f->category),
                          "subject", f->subject ? f->subject : "", "cause",
                          f->cause ? f->cause : "", "fingerprint", fingerprint, "file", where);
    free(where);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    ge_strv_push(&c->blines, &c->nblines, s);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ge_check_baseline_write(struct check *c)
{
    if (c->nblines > 0)
        qsort(c->blines, c->nblines, sizeof *c->blines, cmp_line);
    char *tmp = ge_xasprintf("%s.tmp-%ld", c->write_baseline, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int rc = f == NULL ? -errno : 0;
    for (size_t i = 0; rc == 0 && i < c->nblines; i++)
        if (fputs(c->blines[i], f) == EOF || fputc('\n', f) == EOF)
            rc = -errno;
    if (f != NULL && fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, c->write_baseline) != 0)
        rc = -errno;
    if (rc != 0) {
        fprintf(stderr, "goescape check: cannot write baseline %s: %s\n", c->write_baseline,
                strerror(-rc));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}
