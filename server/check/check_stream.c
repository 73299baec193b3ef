/*
 * The go command's output on its way through `goescape check`: split at the "# package" lines
 * that open each block, spooled per package, and handed to the thread pool when a package's
 * output is complete, where it is parsed, placed and printed (check_emit.c) while the go
 * command goes on. The go command may start before `go list` has named the packages: until
 * then each block waits in the spool under its header line, and is given to its package when
 * the list comes.
 */
#define _GNU_SOURCE /* memmem */
#include "check/check_internal.h"

#include <stdlib.h>
#include <string.h>

/* Adds a stretch of the spool to a list of them, merged with the last one when adjacent. */
static void add_extent(struct check_extent **ext, size_t *n, struct check_extent e)
{
    if (*n > 0 && (*ext)[*n - 1].off + (*ext)[*n - 1].len == e.off) {
        (*ext)[*n - 1].len += e.len;
        return;
    }
    *ext = ge_xrealloc(*ext, (*n + 1) * sizeof **ext);
    (*ext)[(*n)++] = e;
}

/* Appends output to the block being spooled: its package's, go's own (outside any package),
 * or, before the list, the last block seen. */
static void spool_block(struct check *c, const char *data, size_t len)
{
    int rc;
    if (!c->listed) {
        if (c->npending == 0) {
            c->pending = ge_xrealloc(c->pending, sizeof *c->pending);
            c->pending[c->npending++] = (struct check_pending){0};
        }
        struct check_pending *p = &c->pending[c->npending - 1];
        rc = ge_check_spool_append(c, &p->ext, &p->next, data, len);
    } else if (c->block != NULL) {
        rc = ge_check_spool_append(c, &c->block->ext, &c->block->next, data, len);
    } else {
        rc = ge_check_spool_append(c, &c->other, &c->nother, data, len);
    }
    if (rc != 0 && c->spool_error == 0)
        c->spool_error = rc;
}

/* The package a "# pkg", "# pkg [pkg.test]" or "# pkg_test [pkg.test]" line opens, or NULL. */
static struct check_pkg *header_pkg(struct check *c, const char *line, size_t n)
{
    if (n < 3 || line[0] != '#' || line[1] != ' ')
        return NULL;
    size_t k = strcspn(line + 2, " \r\n");
    char *name = ge_xstrndup(line + 2, k);
    struct check_pkg *p = ge_strmap_get(&c->by_path, name);
    if (p == NULL && k > 5 && strcmp(name + k - 5, "_test") == 0) {
        name[k - 5] = '\0';
        p = ge_strmap_get(&c->by_path, name);
    }
    free(name);
    return p;
}

static void after_work(uv_work_t *req, int status);

/* Prints one package on the thread pool: to stdout when its turn has come, else to the output
 * spool, from which it is copied when the packages before it are out. */
static void work(uv_work_t *req)
{
    struct check *c = req->data;
    struct check_pkg *p = c->work_pkg;
    bool turn = c->next_print < c->norder && c->order[c->next_print] == p;
    c->out = turn ? stdout : c->outspool;
    c->out_spooled = !turn;
    p->out.off = c->outspool_size;
    ge_check_emit_pkg(c, p, p->ext, p->next);
    if (!turn) {
        fflush(c->outspool);
        long end = ftell(c->outspool);
        c->outspool_size = end > 0 ? (size_t)end : c->outspool_size;
        p->out.len = c->outspool_size - p->out.off;
        p->spooled = true;
    }
    p->done = true;
    ge_check_flush_ready(c);
}

static void start_next(struct check *c, uv_loop_t *loop)
{
    if (c->busy || c->qhead == c->qlen)
        return;
    c->work_pkg = c->queue[c->qhead++];
    c->busy = true;
    c->work.data = c;
    uv_queue_work(loop, &c->work, work, after_work);
}

static void after_work(uv_work_t *req, int status)
{
    struct check *c = req->data;
    (void)status;
    c->busy = false;
    start_next(c, req->loop);
}

/* Hands p to the worker; its output is complete. */
static void enqueue(struct check *c, struct check_pkg *p)
{
    if (p == NULL || p->queued)
        return;
    ge_check_spool_flush(c); /* the worker reads the package's output from the file */
    p->queued = true;
    c->queue[c->qlen++] = p;
    start_next(c, c->loop);
}

/* The header line[0..n) opens the next block; under go build, the block before was its
 * package's last. */
static void open_block(struct check *c, const char *line, size_t n)
{
    /* A cgo package can print a block for the C compiler's warnings before its own. */
    if (c->early && c->block != NULL && !c->block->cgo)
        enqueue(c, c->block);
    c->block = header_pkg(c, line, n);
    if (c->block != NULL && c->block->queued) {
        /* go build prints a package once; more output for a package already printed cannot
         * join it any more. */
        if (!c->late_warned)
            fprintf(stderr, "goescape: more compiler output for %s after its block; left out\n",
                    c->block->import_path);
        c->late_warned = true;
        c->block = NULL;
    }
}

/* A whole "#" line has arrived. */
static void end_header(struct check *c)
{
    if (c->listed) {
        open_block(c, c->header, c->header_len);
    } else {
        c->pending = ge_xrealloc(c->pending, (c->npending + 1) * sizeof *c->pending);
        c->pending[c->npending++] = (struct check_pending){
            .header = ge_xstrndup(c->header, c->header_len), .header_len = c->header_len};
    }
    spool_block(c, c->header, c->header_len);
    c->in_header = false;
    c->header_len = 0;
}

/* Splits the go command's stderr at the lines that start with '#', which open a package's
 * block, and spools each block for its package. Chunks may end anywhere, even in a header. */
static void split_output(void *ctx, const char *d, size_t n)
{
    struct check *c = ctx;
    size_t i = 0;
    while (i < n) {
        if (c->in_header) {
            const char *nl = memchr(d + i, '\n', n - i);
            size_t take = nl != NULL ? (size_t)(nl - (d + i)) + 1 : n - i;
            if (c->header_len + take > sizeof c->header) {
                /* Too long for a package line: it stays with the block before. */
                spool_block(c, c->header, c->header_len);
                c->in_header = false;
                c->header_len = 0;
                c->line_start = false;
                continue;
            }
            memcpy(c->header + c->header_len, d + i, take);
            c->header_len += take;
            i += take;
            if (nl != NULL) {
                end_header(c);
                c->line_start = true;
            }
            continue;
        }
        if (c->line_start && d[i] == '#') {
            c->in_header = true;
            continue;
        }
        /* The block goes on to the next line that starts with '#', or past the chunk. */
        const char *next = memmem(d + i, n - i, "\n#", 2);
        size_t j = next != NULL ? (size_t)(next - d) + 1 : n;
        spool_block(c, d + i, j - i);
        c->line_start = d[j - 1] == '\n';
        i = j;
    }
}

void ge_check_stream_begin(struct check *c, uv_loop_t *loop, bool listed)
{
    c->loop = loop;
    c->listed = listed;
    c->discard = false;
    c->output_over = false;
    c->block = NULL;
    c->line_start = true;
    c->in_header = false;
    c->header_len = 0;
    c->early = !c->config.include_tests;
    ge_check_feeder_init(&c->feeder, &c->config, split_output, c);
}

void ge_check_stream_chunk(struct check *c, const char *data, size_t len)
{
    if (!c->discard)
        ge_check_feeder_chunk(&c->feeder, data, len);
}

/* Every package of the command goes to the worker, in print order. */
static void enqueue_all(struct check *c)
{
    for (size_t i = 0; i < c->norder; i++)
        enqueue(c, c->order[i]);
}

void ge_check_stream_listed(struct check *c)
{
    c->listed = true;
    for (size_t i = 0; i < c->npending; i++) {
        struct check_pending *p = &c->pending[i];
        if (p->header != NULL)
            open_block(c, p->header, p->header_len);
        for (size_t k = 0; k < p->next; k++) {
            if (c->block != NULL)
                add_extent(&c->block->ext, &c->block->next, p->ext[k]);
            else
                add_extent(&c->other, &c->nother, p->ext[k]);
        }
    }
    ge_check_stream_drop_pending(c);
    if (c->output_over)
        enqueue_all(c);
}

void ge_check_stream_end(struct check *c)
{
    ge_check_feeder_end(&c->feeder);
    if (c->in_header)
        end_header(c);
    c->output_over = true;
    if (c->listed && !c->discard)
        enqueue_all(c);
}

void ge_check_stream_drop_pending(struct check *c)
{
    for (size_t i = 0; i < c->npending; i++) {
        free(c->pending[i].header);
        free(c->pending[i].ext);
    }
    free(c->pending);
    c->pending = NULL;
    c->npending = 0;
}
