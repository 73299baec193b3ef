/*
 * `goescape check`'s output: one package at a time, its spooled compiler output is parsed,
 * its findings are built and filtered by the rule the editor uses (goescape/filter.h), and
 * each one is printed as it is reached and then dropped with the package. JSON is one
 * document written in pieces, byte for byte what dumping the whole tree with two-space
 * indentation gives, so it stays valid and diffable however many packages there are.
 */
#define _GNU_SOURCE /* memmem */
#include "check/check_internal.h"

#include "io/fileio.h"
#include "goescape/assert.h"
#include "goescape/filter.h"
#include "goescape/finding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes data[0..len) to the spool file at off. */
static int spool_write(int fd, const char *data, size_t len, size_t off)
{
    for (size_t done = 0; done < len;) {
        ssize_t w = pwrite(fd, data + done, len - done, (off_t)(off + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        done += (size_t)w;
    }
    return 0;
}

int ge_check_spool_flush(struct check *c)
{
    if (c->spool.wlen == 0)
        return 0;
    int rc = spool_write(c->spool.fd, c->spool.wbuf, c->spool.wlen, c->spool.size - c->spool.wlen);
    c->spool.wlen = 0;
    if (rc != 0 && c->spool_error == 0)
        c->spool_error = rc;
    return rc;
}

int ge_check_spool_append(struct check *c, struct check_extent **ext, size_t *n, const char *data,
                          size_t len)
{
    if (len == 0)
        return 0;
    if (c->spool.wbuf == NULL)
        c->spool.wbuf = ge_xmalloc(GE_CHECK_WRITE_SIZE);
    if (c->spool.wlen + len > GE_CHECK_WRITE_SIZE) {
        int rc = ge_check_spool_flush(c);
        if (rc == 0 && len >= GE_CHECK_WRITE_SIZE)
            rc = spool_write(c->spool.fd, data, len, c->spool.size);
        if (rc != 0)
            return rc;
    }
    if (len < GE_CHECK_WRITE_SIZE) {
        memcpy(c->spool.wbuf + c->spool.wlen, data, len);
        c->spool.wlen += len;
    }
    if (*n > 0 && (*ext)[*n - 1].off + (*ext)[*n - 1].len == c->spool.size) {
        (*ext)[*n - 1].len += len;
    } else {
        *ext = ge_xrealloc(*ext, (*n + 1) * sizeof **ext);
        (*ext)[(*n)++] = (struct check_extent){c->spool.size, len};
    }
    c->spool.size += len;
    return 0;
}

void ge_check_error(struct check *c, const char *line)
{
    fprintf(stderr, "%s\n", line);
    if (c->nerrors++ < GE_CHECK_ERRORS_MAX)
        json_array_append_new(c->errors, json_string(line));
}

/* The text of path, read once while its package is printed. Borrowed until the package's
 * texts are freed (free_texts). */
static int file_text(struct check *c, const char *path, const char **text, size_t *len)
{
    struct check_text *t = NULL;
    if (c->last_text < c->ntexts && strcmp(c->texts[c->last_text].path, path) == 0)
        t = &c->texts[c->last_text];
    for (size_t i = 0; t == NULL && i < c->ntexts; i++)
        if (strcmp(c->texts[i].path, path) == 0) {
            t = &c->texts[i];
            c->last_text = i;
        }
    if (t == NULL) {
        c->texts = ge_xrealloc(c->texts, (c->ntexts + 1) * sizeof *c->texts);
        c->last_text = c->ntexts;
        t = &c->texts[c->ntexts++];
        t->path = ge_xstrdup(path);
        t->text = ge_file_read(path, GE_TEXT_MAX, &t->len);
    }
    if (t->text == NULL)
        return -EIO;
    *text = t->text;
    *len = t->len;
    return 0;
}

static void free_texts(struct check *c)
{
    for (size_t i = 0; i < c->ntexts; i++) {
        free(c->texts[i].path);
        free(c->texts[i].text);
    }
    free(c->texts);
    c->texts = NULL;
    c->ntexts = c->last_text = 0;
}

static int read_source(void *ctx, const char *path, const char **text, size_t *len)
{
    return file_text(ctx, path, text, len);
}

const char *ge_check_display_path(const struct check *c, const char *path)
{
    size_t n = strlen(c->cwd);
    if (strncmp(path, c->cwd, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

/* Line and 1-based byte column of a byte offset, through the file's line index. */
static void line_col(const struct ge_lines *lines, const char *text, size_t len, size_t off,
                     unsigned *line, unsigned *col)
{
    struct ge_position p = ge_lines_position(lines, text, len, off, GE_ENC_UTF8);
    *line = p.line + 1;
    *col = p.character + 1;
}

/* Writes s with every line after the first indented by pad more spaces. */
static void put_indented(FILE *out, const char *s, const char *pad)
{
    for (const char *nl; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
        fwrite(s, 1, (size_t)(nl - s) + 1, out);
        fputs(pad, out);
    }
    fputs(s, out);
}

static void print_json(struct check *c, const struct ge_finding *f, unsigned l1, unsigned c1,
                       unsigned l2, unsigned c2, const char *message, const char *fingerprint)
{
    json_t *flow = json_array();
    for (size_t k = 0; k < f->nsteps; k++)
        json_array_append_new(
            flow, json_pack("{s:s, s:s?, s:i, s:i}", "message", f->steps[k].message, "file",
                            f->steps[k].path ? ge_check_display_path(c, f->steps[k].path) : NULL,
                            "line", f->steps[k].line, "column", f->steps[k].col));
    json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:o}", "file",
                          ge_check_display_path(c, f->path), "line", l1, "column", c1, "endLine",
                          l2, "endColumn", c2, "category", ge_category_name(f->category), "subject",
                          f->subject, "cause", f->cause ? f->cause : "", "message", message,
                          "fingerprint", fingerprint, "flow", flow);
    char *s = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    /* In the output spool every finding has its separator; the first one printed on stdout
     * loses it when the spool is copied (ge_check_flush_ready). */
    fputs(c->out_spooled || c->nprinted > 0 ? ",\n    " : "\n    ", c->out);
    put_indented(c->out, s, "    ");
    free(s);
}

static void utf16_region(const struct ge_lines *lines, const char *text, size_t len,
                         struct ge_span span, struct check_region *r)
{
    struct ge_position a = ge_lines_position(lines, text, len, span.start, GE_ENC_UTF16);
    struct ge_position b = ge_lines_position(lines, text, len, span.end, GE_ENC_UTF16);
    *r = (struct check_region){a.line + 1, a.character + 1, b.line + 1, b.character + 1};
}

/* One assertion's record, with the category "assertion" and the kind of verdict as its
 * cause: "broken", "no-reason" or "unmatched". */
static void print_assertion(struct check *c, const char *path, const struct ge_lines *lines,
                            const char *text, size_t len, const struct ge_assertion *a,
                            const struct ge_assert_result *r, const struct ge_finding *f,
                            const char *finding_message)
{
    static const char *const kinds[] = {[GE_VERDICT_BROKEN] = "broken",
                                        [GE_VERDICT_ALLOWED] = "allowed",
                                        [GE_VERDICT_NO_REASON] = "no-reason",
                                        [GE_VERDICT_UNMATCHED] = "unmatched"};
    struct ge_span span = f != NULL ? f->span : a->comment;
    unsigned l1, c1, l2, c2;
    line_col(lines, text, len, span.start, &l1, &c1);
    line_col(lines, text, len, span.end, &l2, &c2);
    char *m = ge_assert_message_new(a, r, finding_message ? finding_message : "");
    if (c->github) {
        ge_check_print_github_assertion(c, path, l1, c1, l2, c2, m);
        free(m);
        return;
    }
    if (c->sarif) {
        struct check_region r16;
        utf16_region(lines, text, len, span, &r16);
        ge_check_print_sarif_assertion(c, path, &r16, m, kinds[r->verdict], f);
        free(m);
        return;
    }
    if (!c->json) {
        fprintf(c->out, "%s:%u:%u: assertion: %s\n", ge_check_display_path(c, path), l1, c1, m);
        free(m);
        return;
    }
    json_t *flow = json_array();
    for (size_t k = 0; f != NULL && k < f->nsteps; k++)
        json_array_append_new(
            flow, json_pack("{s:s, s:s?, s:i, s:i}", "message", f->steps[k].message, "file",
                            f->steps[k].path ? ge_check_display_path(c, f->steps[k].path) : NULL,
                            "line", f->steps[k].line, "column", f->steps[k].col));
    json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:o}", "file",
                          ge_check_display_path(c, path), "line", l1, "column", c1, "endLine", l2,
                          "endColumn", c2, "category", "assertion", "subject", ge_assert_name(a),
                          "cause", kinds[r->verdict], "message", m, "flow", flow);
    free(m);
    char *s = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    fputs(c->out_spooled || c->nprinted > 0 ? ",\n    " : "\n    ", c->out);
    put_indented(c->out, s, "    ");
    free(s);
}

/* A verdict to print, by where it is printed. */
struct verdict_at {
    uint32_t start;
    size_t k;
};

static int by_start(const void *x, const void *y)
{
    const struct verdict_at *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->k < b->k ? -1 : a->k > b->k;
}

static void count_printed(struct check *c, struct check_pkg *pkg)
{
    if (c->out_spooled)
        pkg->nout++;
    else
        c->nprinted++;
}

/* Prints the findings items[0..n) of one file, then its assertions' verdicts. A finding that
 * breaks an assertion is printed as the broken assertion; one that an allow accepts is not
 * printed. Everything comes out in the order of position. Broken assertions and bare allows count
 * towards the exit status. */
static void print_file(struct check *c, struct check_pkg *pkg, const char *path,
                       const struct ge_finding *items, size_t n,
                       const char (*fps)[GE_FINGERPRINT_SIZE], struct ge_buf *msg)
{
    const char *text = NULL;
    size_t len = 0;
    if (file_text(c, path, &text, &len) != 0) {
        text = NULL;
        len = 0;
    }
    struct ge_lines lines;
    ge_lines_init(&lines, text != NULL ? text : "", len);
    struct ge_assertion *a = NULL;
    /* Without a directive in the package, no file has an assertion to look for. */
    size_t na = text != NULL && c->directives ? ge_assert_scan(text, len, &a) : 0;
    struct ge_assert_result *r = NULL;
    size_t nr = na > 0 ? ge_assert_check(a, na, items, n, &r) : 0;
    bool *taken = nr > 0 ? ge_xcalloc(n + 1, sizeof *taken) : NULL;
    for (size_t k = 0; k < nr; k++)
        if (r[k].finding != SIZE_MAX)
            taken[r[k].finding] = true;
    /* Findings and verdicts are printed in one run by position, as the output is sorted. */
    struct verdict_at *order = nr > 0 ? ge_xmalloc(nr * sizeof *order) : NULL;
    size_t no = 0;
    for (size_t k = 0; k < nr; k++) {
        if (r[k].verdict == GE_VERDICT_ALLOWED)
            continue;
        const struct ge_finding *f = r[k].finding != SIZE_MAX ? &items[r[k].finding] : NULL;
        order[no++] = (struct verdict_at){
            .start = f != NULL ? f->span.start : a[r[k].assertion].comment.start, .k = k};
    }
    if (no > 1)
        qsort(order, no, sizeof *order, by_start);
    size_t next = 0;
    for (size_t i = 0; i <= n; i++) {
        const struct ge_finding *f = i < n ? &items[i] : NULL;
        for (; next < no && (f == NULL || order[next].start <= f->span.start); next++) {
            const struct ge_assert_result *v = &r[order[next].k];
            const struct ge_finding *vf = v->finding != SIZE_MAX ? &items[v->finding] : NULL;
            if (v->verdict != GE_VERDICT_UNMATCHED)
                c->nbroken++;
            if (c->quiet)
                continue;
            print_assertion(c, path, &lines, text, len, &a[v->assertion], v, vf,
                            vf != NULL ? ge_finding_message(vf, msg) : NULL);
            count_printed(c, pkg);
        }
        if (f == NULL || (taken != NULL && taken[i]) ||
            !ge_filter_shows(c->config.categories, text, len, f))
            continue;
        unsigned l1 = f->line, c1 = f->col, l2 = f->line, c2 = f->col;
        if (text != NULL) {
            line_col(&lines, text, len, f->span.start, &l1, &c1);
            line_col(&lines, text, len, f->span.end, &l2, &c2);
        }
        struct check_region r16 = {l1, c1, l2, c2};
        if (text != NULL && c->sarif)
            utf16_region(&lines, text, len, f->span, &r16);
        c->nfound++;
        ge_check_baseline_add(c, pkg->import_path, f, fps[i], ge_check_display_path(c, f->path),
                              l1);
        bool known = c->have_baseline && ge_strmap_get(&c->baseline, fps[i]) != NULL;
        if (!known)
            c->nnew++;
        /* SARIF keeps what the baseline holds, marked unchanged. */
        if (c->quiet || (known && !c->sarif))
            continue;
        const char *message = ge_finding_message(f, msg);
        if (c->json)
            print_json(c, f, l1, c1, l2, c2, message, fps[i]);
        else if (c->sarif)
            ge_check_print_sarif(c, f, &r16, message, fps[i], known);
        else if (c->github)
            ge_check_print_github(c, f, l1, c1, l2, c2, message);
        else
            fprintf(c->out, "%s:%u:%u: %s: %s\n", ge_check_display_path(c, f->path), l1, c1,
                    ge_category_name(f->category), message);
        count_printed(c, pkg);
    }
    free(order);
    free(taken);
    free(r);
    free(a);
    ge_lines_free(&lines);
}

static bool has_findings(const struct ge_finding_set *set, const char *path)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i].path, path) == 0)
            return true;
    return false;
}

static void print_set(struct check *c, struct check_pkg *pkg, const struct ge_finding_set *set)
{
    struct ge_buf msg;
    ge_buf_init(&msg, GE_MESSAGE_MAX);
    /* Fingerprints are printed in JSON and SARIF, and compared with or written to a baseline;
     * plain text and GitHub annotations without a baseline do without them. */
    char(*fps)[GE_FINGERPRINT_SIZE] = ge_xcalloc(set->count + 1, sizeof *fps);
    if (c->json || c->sarif || c->have_baseline || c->write_baseline != NULL)
        ge_fingerprint_set(pkg->import_path, set->items, set->count, fps);
    for (size_t i = 0; i < set->count;) {
        size_t j = i + 1;
        while (j < set->count && strcmp(set->items[j].path, set->items[i].path) == 0)
            j++;
        print_file(c, pkg, set->items[i].path, set->items + i, j - i,
                   (const char(*)[GE_FINGERPRINT_SIZE])(fps + i), &msg);
        i = j;
    }
    /* A file without findings may hold assertions, which then match no code. */
    for (size_t k = 0; k < pkg->nfiles && c->directives; k++) {
        char *path = ge_xasprintf("%s/%s", pkg->dir, pkg->files[k]);
        if (!has_findings(set, path))
            print_file(c, pkg, path, NULL, 0, NULL, &msg);
        free(path);
    }
    free(fps);
    ge_buf_free(&msg);
}

/* The report's unknown lines: errors when the build fails. With hold, they wait in c->held
 * (at most GE_CHECK_ERRORS_MAX in all) until the go command's status is known. */
static void report_errors(struct check *c, const struct ge_report *r, bool hold)
{
    for (size_t i = 0; i < r->nothers; i++) {
        const struct ge_report_line *l = &r->others[i];
        char *line = l->file ? ge_xasprintf("%s:%u:%u: %s", l->file, l->line, l->col, l->text)
                             : ge_xstrdup(l->text);
        if (!hold) {
            ge_check_error(c, line);
            free(line);
        } else if (c->nheld < GE_CHECK_ERRORS_MAX) {
            c->held = ge_xrealloc(c->held, (c->nheld + 1) * sizeof *c->held);
            c->held[c->nheld++] = line;
        } else {
            free(line);
        }
    }
}

/* Does a file of pkg name an assertion? Every directive starts with "goescape:" or
 * "gcassert:" (goescape/assert.h), so a package whose files hold neither has none. */
static bool pkg_mentions_directive(struct check *c, const struct check_pkg *pkg)
{
    bool found = false;
    for (size_t k = 0; k < pkg->nfiles && !found; k++) {
        char *path = ge_xasprintf("%s/%s", pkg->dir, pkg->files[k]);
        const char *text = NULL;
        size_t len = 0;
        if (file_text(c, path, &text, &len) == 0)
            found = memmem(text, len, "goescape:", 9) != NULL ||
                    memmem(text, len, "gcassert:", 9) != NULL;
        free(path);
    }
    return found;
}

/* Leaking parameters are off unless --all: their facts are dropped before findings are built,
 * which spares placing and explaining them (most of the compiler's output, and most of the
 * time, in a package like go/types). Values that do not escape tell an assertion that the
 * compiler looked at its line: unless shown, they are kept only for a package with an
 * assertion comment. */
static void drop_hidden_facts(struct check *c, struct ge_report *r)
{
    bool param = c->config.categories[GE_CAT_PARAM];
    bool noescape = c->config.categories[GE_CAT_NOESCAPE] || c->directives;
    size_t k = 0;
    for (size_t i = 0; i < r->nfacts; i++) {
        uint8_t kind = r->facts[i].kind;
        if ((kind == GE_FACT_PARAM && !param) || (kind == GE_FACT_NOESCAPE && !noescape))
            continue;
        r->facts[k++] = r->facts[i];
    }
    r->nfacts = k;
}

void ge_check_feeder_init(struct check_feeder *f, const struct ge_config *config,
                          ge_check_sink_cb sink, void *ctx)
{
    *f = (struct check_feeder){
        .sink = sink,
        .ctx = ctx,
        .skip = {.params = config->categories[GE_CAT_PARAM], .noescape = true}};
    f->skipping = !f->skip.params || !f->skip.noescape;
    ge_buf_init(&f->carry, GE_PARSE_LINE_MAX);
}

/* Passes on the complete lines of d[0..n), leaving out those that are not needed, in runs. */
static void feed_lines(struct check_feeder *f, const char *d, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(d + i, '\n', n - i);
        size_t end = nl != NULL ? (size_t)(nl - d) : n;
        if (ge_filter_skip_line(&f->skip, d + i, end - i)) {
            if (i > run)
                f->sink(f->ctx, d + run, i - run);
            run = end + 1 < n ? end + 1 : n;
        }
        i = end + 1;
    }
    if (run < n)
        f->sink(f->ctx, d + run, n - run);
}

void ge_check_feeder_chunk(struct check_feeder *f, const char *d, size_t n)
{
    if (!f->skipping) {
        f->sink(f->ctx, d, n);
        return;
    }
    size_t i = 0;
    if (f->carry.len > 0 || f->passthrough) {
        const char *nl = memchr(d, '\n', n);
        size_t take = nl != NULL ? (size_t)(nl - d) + 1 : n;
        if (f->passthrough) {
            f->sink(f->ctx, d, take);
        } else if (ge_buf_append(&f->carry, d, take) != 0) {
            /* Longer than the parser keeps anyway: it is not one of the skipped forms. */
            f->sink(f->ctx, f->carry.data, f->carry.len);
            f->sink(f->ctx, d, take);
            f->carry.len = 0;
            f->passthrough = true;
        }
        if (nl == NULL)
            return;
        if (!f->passthrough)
            feed_lines(f, f->carry.data, f->carry.len);
        f->carry.len = 0;
        f->passthrough = false;
        i = take;
    }
    size_t last = n;
    while (last > i && d[last - 1] != '\n')
        last--;
    feed_lines(f, d + i, last - i);
    if (last < n && ge_buf_append(&f->carry, d + last, n - last) != 0) {
        f->sink(f->ctx, d + last, n - last);
        f->passthrough = true;
    }
}

void ge_check_feeder_end(struct check_feeder *f)
{
    if (f->carry.len > 0)
        feed_lines(f, f->carry.data, f->carry.len);
    ge_buf_free(&f->carry);
    f->passthrough = false;
}

/* Feeds the spooled stretches to the parser. */
static int feed(struct check *c, const struct check_extent *ext, size_t n)
{
    char *buf = ge_xmalloc(GE_CHECK_READ_SIZE);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (size_t done = 0; done < ext[i].len;) {
            size_t want = ext[i].len - done;
            if (want > GE_CHECK_READ_SIZE)
                want = GE_CHECK_READ_SIZE;
            ssize_t r = pread(c->spool.fd, buf, want, (off_t)(ext[i].off + done));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                rc = r < 0 ? -errno : -EIO;
                break;
            }
            ge_parse_feed(c->parser, buf, (size_t)r);
            done += (size_t)r;
        }
    }
    free(buf);
    return rc;
}

void ge_check_emit_pkg(struct check *c, struct check_pkg *pkg, const struct check_extent *ext,
                       size_t n)
{
    if (n == 0)
        return;
    ge_parse_begin(c->parser);
    int rc = feed(c, ext, n);
    struct ge_report *report = NULL;
    ge_parse_end(c->parser, &report);
    if (rc != 0) {
        fprintf(stderr, "goescape: cannot read back the compiler output: %s\n", strerror(-rc));
        c->failed = true;
    }
    report_errors(c, report, pkg != NULL);
    if (pkg != NULL && rc == 0) {
        struct ge_pkg_filter filter = {.import_path = pkg->import_path,
                                       .dir = pkg->dir,
                                       .files = (const char *const *)pkg->files,
                                       .nfiles = pkg->nfiles,
                                       .cwd = pkg->modroot ? pkg->modroot : c->cwd,
                                       /* Text prints messages only. */
                                       .without_flow =
                                           c->quiet || (!c->json && !c->sarif && !c->github)};
        struct ge_finding_set set = {0};
        c->directives = pkg_mentions_directive(c, pkg);
        drop_hidden_facts(c, report);
        ge_findings_build(report, &filter, read_source, c, &set);
        /* The report is not needed for printing: free it first, for a lower peak. */
        ge_report_destroy(report);
        report = NULL;
        print_set(c, pkg, &set);
        ge_finding_set_free(&set);
        free_texts(c);
    }
    ge_report_destroy(report);
}

/* Copies what pkg left in the output spool to stdout. */
static void copy_spooled(struct check *c, const struct check_pkg *pkg)
{
    fflush(c->outspool);
    char *buf = ge_xmalloc(GE_CHECK_READ_SIZE);
    size_t off = pkg->out.off, end = pkg->out.off + pkg->out.len;
    /* The first finding on stdout has no separator before it. */
    if ((c->json || c->sarif) && c->nprinted == 0 && pkg->nout > 0)
        off++;
    while (off < end) {
        size_t want = end - off < GE_CHECK_READ_SIZE ? end - off : GE_CHECK_READ_SIZE;
        ssize_t r = pread(fileno(c->outspool), buf, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf(stderr, "goescape: cannot read back the output of %s: %s\n", pkg->import_path,
                    r < 0 ? strerror(errno) : "short file");
            c->failed = true;
            break;
        }
        fwrite(buf, 1, (size_t)r, stdout);
        off += (size_t)r;
    }
    free(buf);
    c->nprinted += pkg->nout;
}

void ge_check_flush_ready(struct check *c)
{
    while (c->next_print < c->norder && c->order[c->next_print]->done) {
        struct check_pkg *p = c->order[c->next_print++];
        if (p->spooled)
            copy_spooled(c, p);
    }
}

void ge_check_emit_begin(struct check *c)
{
    if (c->sarif)
        ge_check_sarif_begin(c);
    if (c->json)
        fputs("{\n  \"findings\": [", stdout);
}

void ge_check_emit_end(struct check *c)
{
    if (c->nerrors > GE_CHECK_ERRORS_MAX) {
        char *more = ge_xasprintf("goescape: %zu more error lines not shown",
                                  c->nerrors - GE_CHECK_ERRORS_MAX);
        fprintf(stderr, "%s\n", more);
        json_array_append_new(c->errors, json_string(more));
        free(more);
    }
    if (c->sarif)
        ge_check_sarif_end(c);
    if (!c->json)
        return;
    fputs(c->nprinted > 0 ? "\n  ],\n  \"errors\": " : "],\n  \"errors\": ", stdout);
    char *errs = json_dumps(c->errors, JSON_INDENT(2));
    put_indented(stdout, errs, "  ");
    free(errs);
    fputs("\n}\n", stdout);
}
