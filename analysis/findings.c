/*
 * Building a package's findings from a report. Facts are kept when their printed path resolves
 * to one of the package's files (paths.c reads each compile block, live or replayed from the
 * build cache). The plain and "[p.test]" compiles of a file are merged, each fact is placed at
 * a byte span of the file's current text, classified, and explained with the package's
 * declarations at hand.
 */
#include "explain_internal.h"
#include "paths.h"
#include "scan_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The package's declarations, gathered from every file first: a method value in one file may
 * name a method declared in another. */
struct pkg_decls {
    char **methods;
    size_t nmethods;
    struct ge_type_decl *types;
    size_t ntypes;
    /* Each file's functions, kept for placing its facts. Indexed like the filter's files;
     * NULL when the file could not be read. */
    struct ge_func_decl **funcs;
    size_t *nfuncs;
};

/* One kept fact and where it goes. */
struct placed {
    const struct ge_fact *fact;
    size_t index;                      /* in the report, to keep the first of duplicates */
    long file;                         /* index in the filter's files */
    const struct ge__paths_block *blk; /* the compile block it was printed in */
};

/* The absolute path of the package's file i. */
static char *file_path_new(const struct ge_pkg_filter *flt, long i)
{
    size_t dn = strlen(flt->dir);
    bool slash = dn > 0 && flt->dir[dn - 1] == '/';
    return ge_xasprintf("%s%s%s", flt->dir, slash ? "" : "/", flt->files[i]);
}

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Orders by file, position and identity, then by output order. */
static int cmp_placed(const void *pa, const void *pb)
{
    const struct placed *a = pa, *b = pb;
    int c = (a->file > b->file) - (a->file < b->file);
    if (c == 0)
        c = (a->fact->line > b->fact->line) - (a->fact->line < b->fact->line);
    if (c == 0)
        c = (a->fact->col > b->fact->col) - (a->fact->col < b->fact->col);
    if (c == 0)
        c = (int)a->fact->kind - (int)b->fact->kind;
    if (c == 0)
        c = cmp_str(a->fact->subject, b->fact->subject);
    if (c == 0)
        c = cmp_str(a->fact->param_detail, b->fact->param_detail);
    if (c == 0)
        c = (a->index > b->index) - (a->index < b->index);
    return c;
}

static bool same_fact(const struct placed *a, const struct placed *b)
{
    return a->file == b->file && a->fact->line == b->fact->line && a->fact->col == b->fact->col &&
           a->fact->kind == b->fact->kind && cmp_str(a->fact->subject, b->fact->subject) == 0 &&
           cmp_str(a->fact->param_detail, b->fact->param_detail) == 0;
}

/* Keeps the package's facts, sorted by file, without duplicates. Returns the count. */
static size_t select_facts(const struct ge_report *r, const struct ge__paths *paths,
                           struct placed *v)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nfacts; i++) {
        const struct ge_fact *f = &r->facts[i];
        const struct ge__paths_block *blk = ge__paths_block(paths, f);
        long file = blk != NULL ? ge__paths_file(paths, blk, f->file) : -1;
        if (file >= 0)
            v[n++] = (struct placed){f, i, file, blk};
    }
    qsort(v, n, sizeof(*v), cmp_placed);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && same_fact(&v[k - 1], &v[i])) {
            /* The first copy wins, but a later one may carry the explanation. */
            if (v[k - 1].fact->nedges == 0 && v[i].fact->nedges > 0) {
                v[k - 1].fact = v[i].fact;
                v[k - 1].blk = v[i].blk; /* its steps were printed there */
            }
            continue;
        }
        v[k++] = v[i];
    }
    return k;
}

/* The declarations are read from the file's outline, without the insides of function bodies
 * and other brace pairs: lexing them is most of the cost of a file, and a fact's placement
 * needs the tokens only up to its own position. */
static void add_decls(struct pkg_decls *d, size_t file, const char *text, size_t len)
{
    struct golex_toks ts;
    golex_toks_init_outline(&ts, text, len);
    struct ge_func_decl *funcs = NULL;
    size_t nf = ge__scan_funcs_in(&ts, &funcs);
    for (size_t i = 0; i < nf; i++) {
        const char *dot = strrchr(funcs[i].name, '.');
        if (dot == NULL)
            continue;
        d->methods = ge_xrealloc(d->methods, (d->nmethods + 1) * sizeof(*d->methods));
        d->methods[d->nmethods++] = ge_xstrdup(dot + 1);
    }
    d->funcs[file] = funcs;
    d->nfuncs[file] = nf;
    struct ge_type_decl *types = NULL;
    size_t nt = ge__scan_types_in(&ts, &types);
    golex_toks_free(&ts);
    d->types = ge_xrealloc(d->types, (d->ntypes + nt + 1) * sizeof(*d->types));
    for (size_t i = 0; i < nt; i++)
        d->types[d->ntypes++] = types[i]; /* the names move into d */
    free(types);
}

static void gather_decls(const struct ge_pkg_filter *flt, ge_text_source_cb source, void *ctx,
                         struct pkg_decls *d)
{
    size_t n = flt->nfiles ? flt->nfiles : 1;
    d->funcs = ge_xcalloc(n, sizeof(*d->funcs));
    d->nfuncs = ge_xcalloc(n, sizeof(*d->nfuncs));
    for (size_t i = 0; i < flt->nfiles; i++) {
        char *path = ge_xasprintf("%s/%s", flt->dir, flt->files[i]);
        const char *text = NULL;
        size_t len = 0;
        if (source(ctx, path, &text, &len) == 0 && text != NULL)
            add_decls(d, i, text, len);
        free(path);
    }
}

static void free_decls(struct pkg_decls *d, size_t nfiles)
{
    for (size_t i = 0; d->funcs != NULL && i < nfiles; i++)
        ge_func_decls_free(d->funcs[i], d->nfuncs[i]);
    free(d->funcs);
    free(d->nfuncs);
    for (size_t i = 0; i < d->nmethods; i++)
        free(d->methods[i]);
    free(d->methods);
    ge_type_decls_free(d->types, d->ntypes);
}

/* Offsets of the start of each line. */
static size_t *line_starts(const char *text, size_t len, size_t *n)
{
    size_t cap = 64, k = 0;
    size_t *v = ge_xmalloc(cap * sizeof(*v));
    v[k++] = 0;
    for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))) != NULL; p++) {
        if (k == cap)
            v = ge_xrealloc(v, (cap *= 2) * sizeof(*v));
        v[k++] = (size_t)(p - text) + 1;
    }
    *n = k;
    return v;
}

/* What a file contributes while its facts are placed. */
struct file_ctx {
    const struct ge_pkg_filter *flt;
    const struct ge__paths *paths;
    const char *path;
    const char *text;
    size_t len;
    size_t *lines;
    size_t nlines;
    const struct ge_func_decl *funcs; /* borrowed from decls */
    size_t nfuncs;
    struct golex_toks toks; /* the text, lexed as far as the facts need it */
    struct pkg_decls *decls;
};

static const char *enclosing(const struct file_ctx *fc, size_t off)
{
    for (size_t i = 0; i < fc->nfuncs; i++)
        if (fc->funcs[i].decl.start <= off && off < fc->funcs[i].decl.end)
            return fc->funcs[i].name;
    return NULL;
}

/* Byte offset of the compiler's line and column, clamped to the line; false past the end. */
static bool place_offset(const struct file_ctx *fc, const struct ge_fact *f, size_t *off)
{
    if (f->line == 0 || f->line > fc->nlines)
        return false;
    size_t start = fc->lines[f->line - 1];
    size_t end = f->line < fc->nlines ? fc->lines[f->line] - 1 : fc->len;
    size_t o = start + (f->col ? f->col - 1 : 0);
    *off = o < end ? o : end;
    return *off < fc->len;
}

/* A step was printed in its fact's block, so it resolves the same way. */
static void resolve_steps(const struct file_ctx *fc, const struct ge__paths_block *blk,
                          struct ge_finding *fi)
{
    for (size_t i = 0; i < fi->nsteps; i++) {
        long file = ge__paths_file(fc->paths, blk, fi->steps[i].path);
        free(fi->steps[i].path);
        fi->steps[i].path = file >= 0 ? file_path_new(fc->flt, file) : NULL;
    }
}

static bool place_fact(struct file_ctx *fc, const struct placed *pl, struct ge_finding *fi)
{
    const struct ge_fact *f = pl->fact;
    size_t off;
    if (!place_offset(fc, f, &off))
        return false;
    struct ge_explain_source src = {
        .text = fc->text,
        .len = fc->len,
        .line_starts = fc->lines,
        .nlines = fc->nlines,
        .func = enclosing(fc, off),
        .methods = (const char *const *)fc->decls->methods,
        .nmethods = fc->decls->nmethods,
        .types = fc->decls->types,
        .ntypes = fc->decls->ntypes,
    };
    enum ge_span_fit fit;
    struct ge_span span =
        ge__scan_expr_in(&fc->toks, fc->text, fc->len, off, f->kind, f->subject, &fit);
    /* A subject with compiler names (~r0 for an inlined call's result) reads better as the
     * source text of the expression, when the span is that expression. */
    src.span = span;
    src.fit = (uint8_t)fit;
    char *written = fit == GE_FIT_EXPR && ge__has_compiler_name(f->subject)
                        ? ge__source_subject_new(fc->text, span)
                        : NULL;
    ge__finding_explain_as(f, &src, written, !fc->flt->without_flow, fi);
    free(written);
    fi->path = ge_xstrdup(fc->path);
    fi->span = span;
    resolve_steps(fc, pl->blk, fi);
    return true;
}

static int cmp_finding(const void *pa, const void *pb)
{
    const struct ge_finding *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);
    if (c == 0)
        c = (a->span.start > b->span.start) - (a->span.start < b->span.start);
    if (c == 0)
        c = (a->span.end > b->span.end) - (a->span.end < b->span.end);
    if (c == 0)
        c = (int)a->kind - (int)b->kind;
    return c;
}

/* Findings are pooled in chunks as they are placed, so the loose strings of a large file never
 * pile up; a chunk of one file's neighbouring findings shares most of its words anyway. */
#define GE_POOL_CHUNK 256u

static void pool_chunk(struct ge_finding_set *out, size_t *pooled)
{
    out->pools = ge_xrealloc(out->pools, (out->npools + 1) * sizeof(*out->pools));
    out->pools[out->npools++] = ge_finding_pool_new(out->items + *pooled, out->count - *pooled);
    *pooled = out->count;
}

/* Places the facts v[0..n), which all name one file, into out: sorted by span, in pools. */
static void place_file(struct file_ctx *fc, ge_text_source_cb source, void *ctx, long file,
                       const struct placed *v, size_t n, struct ge_finding_set *out)
{
    if (source(ctx, fc->path, &fc->text, &fc->len) != 0 || fc->text == NULL)
        return;
    fc->lines = line_starts(fc->text, fc->len, &fc->nlines);
    fc->funcs = fc->decls->funcs[file];
    fc->nfuncs = fc->decls->nfuncs[file];
    golex_toks_init(&fc->toks, fc->text, fc->len, 0);
    /* A fact gives at most one finding, so the array never grows past n. */
    out->items = ge_xmalloc(n * sizeof(*out->items));
    size_t pooled = 0;
    for (size_t i = 0; i < n; i++) {
        if (place_fact(fc, &v[i], &out->items[out->count]))
            out->count++;
        if (out->count - pooled == GE_POOL_CHUNK || (i + 1 == n && out->count > pooled))
            pool_chunk(out, &pooled);
    }
    golex_toks_free(&fc->toks);
    free(fc->lines);
    if (out->count == 0) {
        free(out->items);
        out->items = NULL;
        return;
    }
    if (out->count < n)
        out->items = ge_xrealloc(out->items, out->count * sizeof(*out->items));
    qsort(out->items, out->count, sizeof(*out->items), cmp_finding);
}

int ge_findings_build_files(const struct ge_report *r, const struct ge_pkg_filter *filter,
                            ge_text_source_cb source, void *source_ctx,
                            struct ge_finding_set *files_out)
{
    if (r == NULL || filter == NULL || filter->dir == NULL || source == NULL)
        return -EINVAL;
    for (size_t i = 0; i < filter->nfiles; i++)
        files_out[i] = (struct ge_finding_set){0};
    struct ge__paths paths;
    ge__paths_init(&paths, filter, r);
    struct placed *v = ge_xmalloc((r->nfacts ? r->nfacts : 1) * sizeof(*v));
    size_t n = select_facts(r, &paths, v);
    struct pkg_decls decls = {0};
    if (n > 0)
        gather_decls(filter, source, source_ctx, &decls);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].file == v[i].file)
            j++;
        char *path = file_path_new(filter, v[i].file);
        struct file_ctx fc = {.flt = filter, .paths = &paths, .path = path, .decls = &decls};
        place_file(&fc, source, source_ctx, v[i].file, v + i, j - i, &files_out[v[i].file]);
        free(path);
        i = j;
    }
    free_decls(&decls, filter->nfiles);
    free(v);
    ge__paths_free(&paths);
    return 0;
}

int ge_findings_build(const struct ge_report *r, const struct ge_pkg_filter *filter,
                      ge_text_source_cb source, void *source_ctx, struct ge_finding_set *out)
{
    *out = (struct ge_finding_set){0};
    if (filter == NULL)
        return -EINVAL;
    struct ge_finding_set *files = ge_xcalloc(filter->nfiles ? filter->nfiles : 1, sizeof(*files));
    int rc = ge_findings_build_files(r, filter, source, source_ctx, files);
    for (size_t i = 0; i < filter->nfiles; i++) {
        out->count += files[i].count;
        out->npools += files[i].npools;
    }
    if (rc == 0 && out->count > 0) {
        out->items = ge_xmalloc(out->count * sizeof(*out->items));
        out->pools = ge_xmalloc(out->npools * sizeof(*out->pools));
        size_t k = 0, kp = 0;
        for (size_t i = 0; i < filter->nfiles; i++) {
            if (files[i].count == 0)
                continue;
            memcpy(out->items + k, files[i].items, files[i].count * sizeof(*out->items));
            memcpy(out->pools + kp, files[i].pools, files[i].npools * sizeof(*out->pools));
            k += files[i].count;
            kp += files[i].npools;
            free(files[i].items);
            free(files[i].pools);
        }
        qsort(out->items, out->count, sizeof(*out->items), cmp_finding);
    } else {
        out->count = out->npools = 0;
    }
    free(files);
    return rc;
}
