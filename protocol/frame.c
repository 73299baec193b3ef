/*
 * LSP base-protocol framing. The parser looks only at the header block in front of the
 * caller's buffer, so a batch of messages costs one pass over their headers and nothing over
 * their bodies. After a bad header it cannot know where the body ends, so it drops bytes up
 * to the next "Content-Length" it sees; every real client starts each header block with that
 * name, which makes it the only reliable resynchronisation point in the stream.
 */
#include "goescape/frame.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SYNC_NAME     "content-length"
#define SYNC_NAME_LEN (sizeof(SYNC_NAME) - 1)

/* What parsing the lines of one header block found. */
struct header_scan {
    size_t block_end;  /* bytes up to and including the blank line; 0 while unknown */
    bool have_length;  /* a Content-Length line was seen */
    bool overflow;     /* its value does not fit in size_t */
    size_t length;     /* its value */
    int rc;            /* first error in the block, or 0 */
    const char *error; /* its description */
};

void ge_framer_init(struct ge_framer *f)
{
    *f = (struct ge_framer){.discard = 0, .resync = false};
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The token characters of RFC 9110, which are all a header name may contain. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Finds the first offset at or after from where SYNC_NAME starts, matching case-insensitively
 * either in full or as a prefix cut off by the end of the data. Returns len when there is
 * none. *full says whether the whole name is present.
 */
static size_t find_sync(const char *data, size_t len, size_t from, bool *full)
{
    for (size_t i = from; i < len; i++) {
        if (lower((unsigned char)data[i]) != 'c')
            continue;
        size_t n = len - i < SYNC_NAME_LEN ? len - i : SYNC_NAME_LEN;
        size_t k = 1;
        while (k < n && lower((unsigned char)data[i + k]) == SYNC_NAME[k])
            k++;
        if (k == n) {
            *full = n == SYNC_NAME_LEN;
            return i;
        }
    }
    *full = false;
    return len;
}

/*
 * Drops bytes from data[from..) up to the next resynchronisation point, or all of them but a
 * possible partial match at the end. Returns the number of bytes to consume.
 */
static size_t resync_from(struct ge_framer *f, const char *data, size_t len, size_t from)
{
    bool full = false;
    size_t at = find_sync(data, len, from, &full);
    f->resync = !full;
    return at;
}

static int fail(struct ge_framer *f, const char *data, size_t len, size_t from, int rc,
                const char *why, struct ge_frame *out)
{
    out->consumed = resync_from(f, data, len, from);
    out->error = why;
    return rc;
}

/* Parses the value of a Content-Length line into scan. */
static void parse_length(const char *v, size_t n, struct header_scan *scan)
{
    while (n > 0 && is_ows(v[0])) {
        v++;
        n--;
    }
    while (n > 0 && is_ows(v[n - 1]))
        n--;
    if (scan->have_length) {
        scan->rc = -EPROTO;
        scan->error = "duplicated Content-Length";
        return;
    }
    scan->have_length = true;
    if (n == 0) {
        scan->rc = -EPROTO;
        scan->error = "empty Content-Length";
        return;
    }
    if (v[0] == '-') {
        scan->rc = -EPROTO;
        scan->error = "negative Content-Length";
        return;
    }
    size_t value = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            scan->rc = -EPROTO;
            scan->error = "non-numeric Content-Length";
            return;
        }
        size_t digit = (size_t)(v[i] - '0');
        if (value > (SIZE_MAX - digit) / 10)
            scan->overflow = true;
        else
            value = value * 10 + digit;
    }
    scan->length = value;
}

/* Checks one header line (without its line ending) and records what it says in scan.
 * Returns false when the line is not a header at all. */
static bool parse_line(const char *line, size_t n, struct header_scan *scan)
{
    const char *colon = memchr(line, ':', n);
    if (colon == NULL || colon == line)
        return false;
    size_t name_len = (size_t)(colon - line);
    for (size_t i = 0; i < name_len; i++) {
        if (!is_tchar((unsigned char)line[i]))
            return false;
    }
    if (name_len == SYNC_NAME_LEN) {
        bool match = true;
        for (size_t i = 0; i < name_len && match; i++)
            match = lower((unsigned char)line[i]) == SYNC_NAME[i];
        if (match && scan->rc == 0)
            parse_length(colon + 1, n - name_len - 1, scan);
    }
    return true;
}

/*
 * Says whether a first line that parses as a header is really the tail of a lost body glued to
 * the next header, as in "nullContent-Length: 4": a name that ends in "Content-Length" without
 * a '-' before it (so "X-Content-Length" stays an unknown header).
 */
static bool glued_to_body(const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    size_t name_len = (size_t)(colon - line);
    if (name_len <= SYNC_NAME_LEN || line[name_len - SYNC_NAME_LEN - 1] == '-')
        return false;
    const char *tail = line + name_len - SYNC_NAME_LEN;
    for (size_t i = 0; i < SYNC_NAME_LEN; i++) {
        if (lower((unsigned char)tail[i]) != SYNC_NAME[i])
            return false;
    }
    return true;
}

/* Says whether an incomplete first line can still become a header line. */
static bool partial_line_ok(const char *line, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (line[i] == ':')
            return i > 0;
        if (!is_tchar((unsigned char)line[i]))
            return false;
    }
    return true;
}

/*
 * Walks the lines of the header block at the front of data. Returns 0, with scan->block_end
 * set once the blank line is found and left 0 while the block is incomplete, or a negative
 * errno when the bytes cannot be a header block at all.
 */
static int scan_block(const char *data, size_t len, struct header_scan *scan, const char **why)
{
    size_t limit = len < GE_FRAME_HEADER_MAX ? len : GE_FRAME_HEADER_MAX;
    size_t pos = 0;
    for (;;) {
        const char *nl = pos < limit ? memchr(data + pos, '\n', limit - pos) : NULL;
        if (nl == NULL) {
            if (pos == 0 && !partial_line_ok(data, limit)) {
                *why = "malformed header line";
                return -EPROTO;
            }
            if (len >= GE_FRAME_HEADER_MAX) {
                *why = "header block too large";
                return -EMSGSIZE;
            }
            return 0;
        }
        size_t eol = (size_t)(nl - data);
        size_t n = eol - pos;
        if (n > 0 && data[eol - 1] == '\r')
            n--;
        if (n == 0) {
            scan->block_end = eol + 1;
            return 0;
        }
        if (!parse_line(data + pos, n, scan) || (pos == 0 && glued_to_body(data, n))) {
            /* A first line that is no header means the bytes are not a header block: most
             * likely the body of a message whose header was lost. */
            if (pos == 0) {
                *why = "malformed header line";
                return -EPROTO;
            }
            if (scan->rc == 0) {
                scan->rc = -EPROTO;
                scan->error = "malformed header line";
            }
        }
        pos = eol + 1;
    }
}

/* Handles a complete header block whose Content-Length is past GE_FRAME_BODY_MAX: the body is
 * dropped as it arrives. A value too large for size_t cannot be counted down, so the framer
 * resynchronises on the next header instead. */
static int reject_body(struct ge_framer *f, const char *data, size_t len,
                       const struct header_scan *scan, struct ge_frame *out)
{
    if (scan->overflow)
        return fail(f, data, len, scan->block_end, -EMSGSIZE, "Content-Length too large", out);
    size_t avail = len - scan->block_end;
    size_t now = avail < scan->length ? avail : scan->length;
    f->discard = scan->length - now;
    out->consumed = scan->block_end + now;
    out->error = "Content-Length too large";
    return -EMSGSIZE;
}

static int skip_body(struct ge_framer *f, size_t len, struct ge_frame *out)
{
    if (len == 0)
        return GE_FRAME_MORE;
    out->consumed = len < f->discard ? len : f->discard;
    f->discard -= out->consumed;
    return GE_FRAME_SKIP;
}

int ge_frame_next(struct ge_framer *f, const char *data, size_t len, struct ge_frame *out)
{
    *out = (struct ge_frame){.body = NULL, .body_len = 0, .consumed = 0, .error = NULL};
    if (f->discard > 0)
        return skip_body(f, len, out);
    if (f->resync) {
        out->consumed = resync_from(f, data, len, 0);
        if (out->consumed > 0)
            return GE_FRAME_SKIP;
        if (f->resync)
            return GE_FRAME_MORE;
    }
    if (len == 0)
        return GE_FRAME_MORE;

    struct header_scan scan = {.block_end = 0, .rc = 0};
    const char *why = NULL;
    int rc = scan_block(data, len, &scan, &why);
    /* Junk is searched from its second byte; an oversized block only past what was seen. */
    if (rc < 0)
        return fail(f, data, len, rc == -EMSGSIZE ? GE_FRAME_HEADER_MAX : 1, rc, why, out);
    if (scan.block_end == 0)
        return GE_FRAME_MORE;
    if (scan.rc == 0 && !scan.have_length) {
        scan.rc = -EPROTO;
        scan.error = "missing Content-Length";
    }
    if (scan.rc != 0)
        return fail(f, data, len, scan.block_end, scan.rc, scan.error, out);
    if (scan.overflow || scan.length > GE_FRAME_BODY_MAX)
        return reject_body(f, data, len, &scan, out);
    if (len - scan.block_end < scan.length)
        return GE_FRAME_MORE;
    out->body = data + scan.block_end;
    out->body_len = scan.length;
    out->consumed = scan.block_end + scan.length;
    return GE_FRAME_MESSAGE;
}

size_t ge_frame_drain(struct ge_framer *f, const char *data, size_t len,
                      const struct ge_frame_sink *sink)
{
    size_t cursor = 0;
    bool go_on = true;
    while (go_on && cursor < len) {
        struct ge_frame fr;
        int rc = ge_frame_next(f, data + cursor, len - cursor, &fr);
        cursor += fr.consumed;
        if (rc < 0) {
            go_on = sink->on_error(sink->ctx, rc, fr.error != NULL ? fr.error : "bad frame");
            /* ge_frame_next promises progress on every error; should it ever break that
             * promise, dropping the input beats spinning on it. */
            if (fr.consumed == 0)
                cursor = len;
        } else if (rc == GE_FRAME_MESSAGE) {
            go_on = sink->on_message(sink->ctx, fr.body, fr.body_len);
        } else if (rc == GE_FRAME_MORE) {
            break;
        }
    }
    return cursor;
}

size_t ge_frame_header(char *dst, size_t body_len)
{
    /* Written by hand: snprintf's format machinery cost more than the rest of relaying a
     * small message. */
    static const char name[] = "Content-Length: ";
    char digits[20];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + body_len % 10);
        body_len /= 10;
    } while (body_len > 0);
    memcpy(dst, name, sizeof name - 1);
    size_t n = sizeof name - 1;
    while (nd > 0)
        dst[n++] = digits[--nd];
    memcpy(dst + n, "\r\n\r\n", 5); /* with the NUL */
    return n + 4;
}

int ge_frame_wrap(struct ge_buf *out, const char *body, size_t len)
{
    char head[GE_FRAME_HEADER_OUT_MAX];
    size_t hn = ge_frame_header(head, len);
    /* Once the room is reserved, neither append can fail. */
    int rc = ge_buf_reserve(out, hn + len);
    if (rc != 0)
        return rc;
    ge_buf_append(out, head, hn);
    ge_buf_append(out, body, len);
    return 0;
}
