/*
 * Resolving the compiler's printed paths to the package's files, block by block (see paths.h).
 * A block printed from the go command's working directory names the package's files exactly as
 * the go command shortens the package directory from there. A block replayed from the build
 * cache was printed from an unknown directory X; what every path of it shares is that X, so the
 * package directory is the printed directory that could be rel(X, dir) for some X and that the
 * block's other printed directories do not contradict (cmd/go shortens the package directory
 * and its ancestors, deepest first, and nothing else).
 */
#include "paths.h"

#include <stdlib.h>
#include <string.h>

/* Deeper paths are not resolved at all. */
#define GE_PATH_DEPTH_MAX 256u

/* The components of a clean path, borrowed from the strings they were read from. */
struct comps {
    const char *s[GE_PATH_DEPTH_MAX];
    size_t len[GE_PATH_DEPTH_MAX];
    size_t n;
};

/* Appends the components of path, applying "." and ".." as filepath.Clean does for an
 * absolute path. False when the path is too deep. */
static bool comps_add(struct comps *c, const char *path)
{
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *e = strchr(p, '/');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (c->n > 0)
                c->n--;
        } else if (!(n == 1 && p[0] == '.')) {
            if (c->n == GE_PATH_DEPTH_MAX)
                return false;
            c->s[c->n] = p;
            c->len[c->n++] = n;
        }
        p += n;
    }
    return true;
}

static char *comps_join_new(const struct comps *c)
{
    size_t total = 2;
    for (size_t i = 0; i < c->n; i++)
        total += c->len[i] + 1;
    char *out = ge_xmalloc(total);
    size_t k = 0;
    if (c->n == 0)
        out[k++] = '/';
    for (size_t i = 0; i < c->n; i++) {
        out[k++] = '/';
        memcpy(out + k, c->s[i], c->len[i]);
        k += c->len[i];
    }
    out[k] = '\0';
    return out;
}

/* The clean absolute path of rel joined to the absolute base (new), as filepath.Join and
 * Clean make it, or NULL when it is too deep. */
static char *path_join_new(const char *base, const char *rel)
{
    struct comps c = {.n = 0};
    if (rel[0] != '/' && base != NULL && !comps_add(&c, base))
        return NULL;
    if (!comps_add(&c, rel))
        return NULL;
    return comps_join_new(&c);
}

/* filepath.Rel(from, to) for clean absolute paths: ".", "app", "../app", "../..". */
static char *rel_new(const char *from, const char *to)
{
    struct comps a = {.n = 0}, b = {.n = 0};
    comps_add(&a, from);
    comps_add(&b, to);
    size_t m = 0;
    while (m < a.n && m < b.n && a.len[m] == b.len[m] && memcmp(a.s[m], b.s[m], a.len[m]) == 0)
        m++;
    if (m == a.n && m == b.n)
        return ge_xstrdup(".");
    size_t total = 3 * (a.n - m) + 1;
    for (size_t i = m; i < b.n; i++)
        total += b.len[i] + 1;
    char *out = ge_xmalloc(total);
    size_t k = 0;
    for (size_t i = m; i < a.n; i++) {
        if (k > 0)
            out[k++] = '/';
        memcpy(out + k, "..", 2);
        k += 2;
    }
    for (size_t i = m; i < b.n; i++) {
        if (k > 0)
            out[k++] = '/';
        memcpy(out + k, b.s[i], b.len[i]);
        k += b.len[i];
    }
    out[k] = '\0';
    return out;
}

/* cmd/go's base.ShortPath: the relative form when it is shorter. */
static char *short_path_new(const char *cwd, const char *path)
{
    char *rel = rel_new(cwd, path);
    if (strlen(rel) < strlen(path))
        return rel;
    free(rel);
    return ge_xstrdup(path);
}

static bool pkg_matches(const char *pkg, const char *import_path)
{
    if (import_path == NULL)
        return true;
    if (pkg == NULL)
        return false;
    size_t n = strlen(import_path);
    return strncmp(pkg, import_path, n) == 0 && (pkg[n] == '\0' || strcmp(pkg + n, "_test") == 0);
}

static long file_index(const struct ge_pkg_filter *flt, const char *base)
{
    for (size_t i = 0; i < flt->nfiles; i++)
        if (strcmp(flt->files[i], base) == 0)
            return (long)i;
    return -1;
}

/* Is the printed directory file[0..dlen) the directory d? */
static bool dir_is(const char *file, size_t dlen, const char *d)
{
    if (d == NULL)
        return false;
    if (strcmp(d, "/") == 0)
        return dlen == 0 && file[0] == '/';
    return dlen == strlen(d) && memcmp(file, d, dlen) == 0;
}

/* A printed directory of a replayed block, read as "./"? "../"* T. */
struct cand {
    const char *dir; /* borrowed: the printed directory, dlen bytes */
    size_t dlen;
    size_t ups;    /* leading ".." components */
    bool dotted;   /* "." or "./T": printed as the fill directory itself */
    const char *t; /* what follows, tlen bytes, no leading "/" */
    size_t tlen;
    size_t tcomps; /* components of t */
    bool shaped;   /* could be rel(X, dir) for some fill directory X */
    bool foreign;  /* a file printed in it is not one of the package's */
};

static void cand_parse(struct cand *c, const struct comps *d)
{
    const char *p = c->dir, *end = c->dir + c->dlen;
    if (c->dlen == 1 && p[0] == '.') {
        c->dotted = true;
        p = end;
    } else if (c->dlen >= 2 && p[0] == '.' && p[1] == '/') {
        c->dotted = true;
        p += 2;
    }
    while (!c->dotted && end - p >= 2 && p[0] == '.' && p[1] == '.' &&
           (end - p == 2 || p[2] == '/')) {
        c->ups++;
        p += end - p == 2 ? 2 : 3;
    }
    c->t = p;
    c->tlen = (size_t)(end - p);
    /* The package directory prints as ".", "T", "../..", or "../../T" with T its own tail: T's
     * components, none empty, "." or "..", are the last components of the directory. */
    struct comps t = {.n = 0};
    bool ok = !(c->dotted && c->tlen > 0);
    for (const char *q = c->t; ok && q < end;) {
        const char *e = memchr(q, '/', (size_t)(end - q));
        size_t n = e != NULL ? (size_t)(e - q) : (size_t)(end - q);
        ok = n > 0 && !(n == 1 && q[0] == '.') && !(n == 2 && q[0] == '.' && q[1] == '.') &&
             t.n < GE_PATH_DEPTH_MAX && (e == NULL || e + 1 < end);
        if (ok) {
            t.s[t.n] = q;
            t.len[t.n++] = n;
        }
        q += n + 1;
    }
    ok = ok && t.n <= d->n;
    for (size_t i = 0; ok && i < t.n; i++) {
        size_t j = d->n - t.n + i;
        ok = t.len[i] == d->len[j] && memcmp(t.s[i], d->s[j], t.len[i]) == 0;
    }
    c->tcomps = t.n;
    c->shaped = ok;
}

static bool starts_with(const char *s, size_t n, const char *prefix, size_t pn)
{
    return n >= pn && memcmp(s, prefix, pn) == 0;
}

/*
 * Could o be printed in the same block as c, if c were the package directory printed from X?
 * With c = "../"^k T, X lies k levels below B = dir minus T. cmd/go prints a path under the
 * deepest ancestor A of dir that is a string prefix of it, as ShortPath(A) and the rest.
 */
static bool cand_agrees(const struct cand *c, const struct cand *o, const struct comps *d)
{
    size_t tfirst = c->tlen;
    const char *slash = memchr(c->t, '/', c->tlen);
    if (slash != NULL)
        tfirst = (size_t)(slash - c->t);
    if (o->dotted) /* X itself or under it, so X is an ancestor of dir */
        return c->ups == 0 &&
               (o->tlen == 0 || c->tlen == 0 || !starts_with(o->t, o->tlen, c->t, tfirst));
    if (o->ups == 0) /* under an ancestor of dir strictly below X */
        return c->ups == 0 && c->tlen > 0 && starts_with(o->t, o->tlen, c->t, tfirst);
    if (o->ups < c->ups)
        return false;
    if (o->ups == c->ups)
        return true;
    size_t up = o->ups - c->ups;
    if (c->tcomps + up > d->n)
        return false;
    size_t depth = d->n - c->tcomps - up; /* components of the ancestor A */
    return o->tlen == 0 || !starts_with(o->t, o->tlen, d->s[depth], d->len[depth]);
}

/* The printed directory of the package's files in a replayed block, or NULL. */
static char *choose_own(const struct ge__paths *p, const char *const *files, size_t nfiles)
{
    struct comps d = {.n = 0};
    if (!comps_add(&d, p->dir))
        return NULL;
    struct cand *v = ge_xcalloc(nfiles ? nfiles : 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < nfiles; i++) {
        const char *slash = strrchr(files[i], '/');
        size_t dlen = (size_t)(slash - files[i]);
        size_t k = 0;
        while (k < n && !(v[k].dlen == dlen && memcmp(v[k].dir, files[i], dlen) == 0))
            k++;
        if (k == n) {
            v[n] = (struct cand){.dir = files[i], .dlen = dlen};
            cand_parse(&v[n++], &d);
        }
        if (file_index(p->flt, slash + 1) < 0)
            v[k].foreign = true;
    }
    const struct cand *best = NULL;
    for (size_t i = 0; i < n; i++) {
        bool ok = v[i].shaped && !v[i].foreign;
        for (size_t j = 0; ok && j < n; j++)
            ok = j == i || cand_agrees(&v[i], &v[j], &d);
        if (ok && (best == NULL || v[i].tcomps > best->tcomps ||
                   (v[i].tcomps == best->tcomps && v[i].ups < best->ups)))
            best = &v[i];
    }
    char *own = best != NULL ? ge_xstrndup(best->dir, best->dlen) : NULL;
    free(v);
    return own;
}

/* The distinct relative printed files of one block, gathered while the blocks are read. */
struct gather {
    const char **files;
    size_t n, cap;
};

static void gather_add(struct gather *g, const char *file)
{
    if (file == NULL || file[0] == '/' || file[0] == '<' || file[0] == '$' ||
        strchr(file, '/') == NULL)
        return;
    /* File names are interned by the parser, and a block's facts come file by file. */
    for (size_t i = g->n; i > 0 && i + 8 > g->n; i--)
        if (g->files[i - 1] == file)
            return;
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->files[i], file) == 0)
            return;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 16;
        g->files = ge_xrealloc(g->files, g->cap * sizeof(*g->files));
    }
    g->files[g->n++] = file;
}

/* Output without a "# pkg" header (a filter with no import path) is one block. */
static bool same_block(const struct ge__paths_block *b, const struct ge_fact *f)
{
    if (b->test_build != f->test_build || (b->pkg == NULL) != (f->pkg == NULL))
        return false;
    return b->pkg == NULL || strcmp(b->pkg, f->pkg) == 0;
}

static size_t block_of(struct ge__paths *p, const struct ge_fact *f, struct gather **gs)
{
    for (size_t i = 0; i < p->nblocks; i++)
        if (same_block(&p->blocks[i], f))
            return i;
    p->blocks = ge_xrealloc(p->blocks, (p->nblocks + 1) * sizeof(*p->blocks));
    p->blocks[p->nblocks] = (struct ge__paths_block){.pkg = f->pkg, .test_build = f->test_build};
    *gs = ge_xrealloc(*gs, (p->nblocks + 1) * sizeof(**gs));
    (*gs)[p->nblocks] = (struct gather){0};
    return p->nblocks++;
}

void ge__paths_init(struct ge__paths *p, const struct ge_pkg_filter *flt, const struct ge_report *r)
{
    *p = (struct ge__paths){.flt = flt, .dir = path_join_new(NULL, flt->dir)};
    if (p->dir == NULL)
        return;
    if (flt->cwd != NULL && flt->cwd[0] == '/') {
        char *cwd = path_join_new(NULL, flt->cwd);
        if (cwd != NULL)
            p->own_cwd = short_path_new(cwd, p->dir);
        free(cwd);
    }
    struct gather *gs = NULL;
    for (size_t i = 0; i < r->nfacts; i++) {
        const struct ge_fact *f = &r->facts[i];
        if (!pkg_matches(f->pkg, flt->import_path))
            continue;
        size_t b = block_of(p, f, &gs);
        const char *slash = f->file != NULL ? strrchr(f->file, '/') : NULL;
        if (slash != NULL && dir_is(f->file, (size_t)(slash - f->file), p->own_cwd))
            p->blocks[b].live = true;
        gather_add(&gs[b], f->file);
    }
    for (size_t b = 0; b < p->nblocks; b++) {
        if (!p->blocks[b].live)
            p->blocks[b].own = choose_own(p, gs[b].files, gs[b].n);
        free(gs[b].files);
    }
    free(gs);
}

void ge__paths_free(struct ge__paths *p)
{
    for (size_t i = 0; i < p->nblocks; i++)
        free(p->blocks[i].own);
    free(p->blocks);
    free(p->dir);
    free(p->own_cwd);
    *p = (struct ge__paths){0};
}

const struct ge__paths_block *ge__paths_block(const struct ge__paths *p, const struct ge_fact *f)
{
    for (size_t i = 0; i < p->nblocks; i++)
        if (same_block(&p->blocks[i], f))
            return &p->blocks[i];
    return NULL;
}

long ge__paths_file(const struct ge__paths *p, const struct ge__paths_block *b, const char *file)
{
    if (file == NULL || file[0] == '<' || file[0] == '$' || p->dir == NULL)
        return -1;
    const char *slash = strrchr(file, '/');
    if (slash == NULL)
        return -1;
    size_t dlen = (size_t)(slash - file);
    bool own;
    if (file[0] == '/')
        own = dir_is(file, dlen, p->dir);
    else if (b == NULL)
        own = false;
    else
        own = dir_is(file, dlen, b->live ? p->own_cwd : b->own);
    return own ? file_index(p->flt, slash + 1) : -1;
}
