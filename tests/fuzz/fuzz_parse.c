/*
 * libFuzzer target for everything downstream of the compiler's output: the parser, then every
 * fact through the classifier, the explainer and the remedies, then ge_findings_build with the
 * input itself standing in as the text of every file, which drives the range finder over
 * arbitrary bytes at arbitrary positions. The same input is also streamed in three chunks cut
 * at input-derived points, each in a private copy wiped after the call; the report must not
 * differ from the whole parse.
 */
#include "goescape/finding.h"

#include <stdlib.h>
#include <string.h>

/* Distinct base names that become the package's files, at most. Each stands for the whole
 * input, so more would only repeat work. */
#define FUZZ_MAX_FILES 8

struct fuzz_text {
    const char *data;
    size_t len;
};

static int fuzz_source(void *ctx, const char *path, const char **text, size_t *len)
{
    const struct fuzz_text *t = ctx;
    (void)path;
    *text = t->data;
    *len = t->len;
    return 0;
}

static void check_finding(const struct ge_finding *f, size_t len)
{
    if (f->span.start > f->span.end || f->span.end > len)
        __builtin_trap();
    if (f->escape_step < -1 || f->escape_step >= (int)f->nsteps)
        __builtin_trap();
    struct ge_buf scratch;
    ge_buf_init(&scratch, GE_MESSAGE_MAX);
    bool has_message = *ge_finding_message(f, &scratch) != '\0';
    ge_buf_free(&scratch);
    if (!has_message || strlen(ge_finding_label(f)) > 16)
        __builtin_trap();
    if (f->subject == NULL || f->cause == NULL)
        __builtin_trap();
}

static void explain_all(const struct ge_report *r)
{
    for (size_t i = 0; i < r->nfacts; i++) {
        struct ge_finding f;
        ge_finding_explain(&r->facts[i], &f);
        check_finding(&f, 0);
        free(ge_finding_remedy_new(&f));
        ge_finding_free(&f);
    }
}

static void build_all(const struct ge_report *r, const char *data, size_t size)
{
    const char *files[FUZZ_MAX_FILES];
    size_t nfiles = 0;
    for (size_t i = 0; i < r->nfacts && nfiles < FUZZ_MAX_FILES; i++) {
        const char *base = strrchr(r->facts[i].file, '/');
        base = base != NULL ? base + 1 : r->facts[i].file;
        bool seen = false;
        for (size_t k = 0; k < nfiles && !seen; k++)
            seen = strcmp(files[k], base) == 0;
        if (!seen)
            files[nfiles++] = base;
    }
    struct ge_pkg_filter flt = {
        .import_path = NULL, .dir = "/fuzz", .files = files, .nfiles = nfiles};
    struct fuzz_text t = {data, size};
    struct ge_finding_set set;
    if (ge_findings_build(r, &flt, fuzz_source, &t, &set) != 0)
        __builtin_trap();
    for (size_t i = 0; i < set.count; i++)
        check_finding(&set.items[i], size);
    ge_finding_set_free(&set);
}

/* Streams data in three chunks and checks the report against r, the whole parse. */
static void stream_alike(struct ge_parser *p, const uint8_t *data, size_t size,
                         const struct ge_report *r)
{
    size_t a = size ? data[0] % (size + 1) : 0;
    size_t b = size > 1 ? a + data[size - 1] % (size - a + 1) : size;
    size_t cuts[4] = {0, a, b, size};
    ge_parse_begin(p);
    for (int i = 0; i < 3; i++) {
        size_t n = cuts[i + 1] - cuts[i];
        char *copy = malloc(n ? n : 1);
        memcpy(copy, data + cuts[i], n);
        ge_parse_feed(p, copy, n);
        memset(copy, 0xAA, n);
        free(copy);
    }
    struct ge_report *s = NULL;
    if (ge_parse_end(p, &s) != 0)
        __builtin_trap();
    if (s->nfacts != r->nfacts || s->nothers != r->nothers || s->nlines != r->nlines ||
        s->nunmatched != r->nunmatched || s->ninfo != r->ninfo)
        __builtin_trap();
    for (size_t i = 0; i < r->nfacts; i++) {
        const struct ge_fact *x = &r->facts[i], *y = &s->facts[i];
        if (x->kind != y->kind || x->line != y->line || x->col != y->col ||
            x->nedges != y->nedges || strcmp(x->subject, y->subject) != 0 ||
            strcmp(x->file, y->file) != 0)
            __builtin_trap();
        for (size_t e = 0; e < x->nedges; e++) {
            if (x->edges[e].nsteps != y->edges[e].nsteps ||
                strcmp(x->edges[e].src, y->edges[e].src) != 0)
                __builtin_trap();
            for (size_t k = 0; k < x->edges[e].nsteps; k++)
                if (strcmp(x->edges[e].steps[k].what, y->edges[e].steps[k].what) != 0 ||
                    strcmp(x->edges[e].steps[k].file, y->edges[e].steps[k].file) != 0)
                    __builtin_trap();
        }
    }
    ge_report_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ge_parser *parser;
    if (parser == NULL && ge_parser_create(&parser) != 0)
        __builtin_trap();
    struct ge_report *r = NULL;
    if (ge_parse(parser, (const char *)data, size, &r) != 0)
        __builtin_trap();
    stream_alike(parser, data, size, r);
    explain_all(r);
    build_all(r, (const char *)data, size);
    ge_report_destroy(r);
    return 0;
}
