/*
 * stdio transport. libuv reads into the free tail of one capped buffer (as h2o hands libuv
 * the tail of its socket buffer), the framer walks complete messages with a cursor, and the
 * consumed prefix is dropped once per read, as Redis does for its query buffer.
 */
#include "io/transport.h"

#include "io/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct write_req {
    uv_write_t req;
    struct ge_transport *t;
    uv_buf_t buf;
};

static void handle_closed(uv_handle_t *h)
{
    struct ge_transport *t = h->data;
    if (--t->open_handles == 0 && t->closing) {
        ge_buf_free(&t->inbuf);
        if (t->on_closed != NULL)
            t->on_closed(t);
    }
}

static bool on_frame(void *ctx, const char *body, size_t len)
{
    struct ge_transport *t = ctx;
    t->on_message(t, body, len);
    return !t->closing;
}

static bool on_frame_error(void *ctx, int err, const char *what)
{
    struct ge_transport *t = ctx;
    if (t->on_error != NULL)
        t->on_error(t, err, what);
    return !t->closing;
}

/* Walks every complete message at the front of the input buffer. */
static void drain_frames(struct ge_transport *t)
{
    if (t->closing)
        return;
    struct ge_frame_sink sink = {.on_message = on_frame, .on_error = on_frame_error, .ctx = t};
    t->dispatching = true;
    size_t used = ge_frame_drain(&t->framer, t->inbuf.data, t->inbuf.len, &sink);
    t->dispatching = false;
    ge_buf_consume(&t->inbuf, used);
}

/* Hands out the free tail of the input buffer, growing it up to its cap. */
static void reserve_tail(struct ge_transport *t, uv_buf_t *buf)
{
    size_t want = GE_READ_CHUNK;
    if (ge_buf_reserve(&t->inbuf, want) != 0) {
        want = t->inbuf.max - t->inbuf.len;
        if (want == 0 || ge_buf_reserve(&t->inbuf, want) != 0) {
            *buf = uv_buf_init(NULL, 0);
            return;
        }
    }
    *buf = uv_buf_init(t->inbuf.data + t->inbuf.len, (unsigned)want);
}

static void stream_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    reserve_tail(h->data, buf);
}

static void eof(struct ge_transport *t, int err)
{
    t->reading = false;
    if (t->on_eof != NULL)
        t->on_eof(t, err);
}

static void stream_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct ge_transport *t = s->data;
    (void)buf;
    if (nread == UV_ENOBUFS) {
        /* The framer keeps the buffer below its cap; reaching it means a framing bug. */
        ge_log_error("input buffer full; dropping %zu buffered bytes", t->inbuf.len);
        ge_buf_reset(&t->inbuf);
        ge_framer_init(&t->framer);
        return;
    }
    if (nread < 0) {
        uv_read_stop(s);
        eof(t, nread == UV_EOF ? 0 : (int)nread);
        return;
    }
    t->inbuf.len += (size_t)nread;
    t->inbuf.data[t->inbuf.len] = '\0';
    drain_frames(t);
}

static void file_read_next(struct ge_transport *t);

static void file_read_done(uv_fs_t *req)
{
    struct ge_transport *t = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    t->open_handles--;
    if (t->closing) {
        if (t->open_handles == 0) {
            ge_buf_free(&t->inbuf);
            if (t->on_closed != NULL)
                t->on_closed(t);
        }
        return;
    }
    if (n <= 0) {
        eof(t, n == 0 ? 0 : (int)n);
        return;
    }
    t->in_file_off += n;
    t->inbuf.len += (size_t)n;
    t->inbuf.data[t->inbuf.len] = '\0';
    drain_frames(t);
    if (!t->closing)
        file_read_next(t);
}

static void file_read_next(struct ge_transport *t)
{
    uv_buf_t buf;
    t->in.fs.data = t;
    reserve_tail(t, &buf);
    if (buf.base == NULL) {
        ge_buf_reset(&t->inbuf);
        reserve_tail(t, &buf);
    }
    int rc = uv_fs_read(t->loop, &t->in.fs, t->in_fd, &buf, 1, -1, file_read_done);
    if (rc != 0) {
        eof(t, rc);
        return;
    }
    t->open_handles++;
}

int ge_transport_init(struct ge_transport *t, uv_loop_t *loop, int in_fd, int out_fd)
{
    *t = (struct ge_transport){.loop = loop, .in_fd = in_fd, .out_fd = out_fd};
    ge_buf_init(&t->inbuf, GE_FRAME_PENDING_MAX + GE_READ_CHUNK);
    ge_framer_init(&t->framer);
    t->in_is_file = uv_guess_handle(in_fd) == UV_FILE;
    t->out_is_file =
        uv_guess_handle(out_fd) == UV_FILE || uv_guess_handle(out_fd) == UV_UNKNOWN_HANDLE;
    t->out.data = t;
    if (!t->in_is_file) {
        int rc = uv_pipe_init(loop, &t->in.pipe, 0);
        if (rc != 0)
            return rc;
        t->in.pipe.data = t;
        t->open_handles++;
        rc = uv_pipe_open(&t->in.pipe, in_fd);
        if (rc != 0)
            return rc;
    }
    if (!t->out_is_file) {
        int rc = uv_pipe_init(loop, &t->out, 0);
        if (rc != 0)
            return rc;
        t->open_handles++;
        rc = uv_pipe_open(&t->out, out_fd);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int ge_transport_start(struct ge_transport *t)
{
    t->reading = true;
    if (t->in_is_file) {
        file_read_next(t);
        return 0;
    }
    return uv_read_start((uv_stream_t *)&t->in.pipe, stream_alloc, stream_read);
}

static void write_done(uv_write_t *req, int status)
{
    struct write_req *w = ge_container_of(req, struct write_req, req);
    struct ge_transport *t = w->t;
    t->out_queued -= w->buf.len;
    free(w->buf.base);
    free(w);
    if (status != 0 && status != UV_ECANCELED && !t->closing) {
        ge_log_error("writing to stdout failed: %s", uv_strerror(status));
        eof(t, status);
    }
}

static int write_file(struct ge_transport *t, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(t->out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Hands a framed message (out is taken over) to libuv, with no cap. */
static int queue(struct ge_transport *t, struct ge_buf *out)
{
    struct write_req *w = ge_xmalloc(sizeof *w);
    w->t = t;
    size_t len;
    char *data = ge_buf_steal(out, &len);
    w->buf = uv_buf_init(data, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&t->out, &w->buf, 1, write_done);
    if (rc != 0) {
        free(data);
        free(w);
        return rc;
    }
    t->out_queued += len;
    return 0;
}

/* Queues a framed message (out is taken over). */
static int send_framed(struct ge_transport *t, struct ge_buf *out, int rc)
{
    if (rc == 0 && t->out_queued + out->len > GE_OUT_QUEUE_MAX)
        rc = -ENOBUFS;
    if (rc != 0) {
        if (rc == -ENOBUFS && t->out_dropped++ % 1000 == 0)
            ge_log_warn("client is not reading: output queue at %zu bytes, dropped %zu messages",
                        t->out_queued, t->out_dropped);
        ge_buf_free(out);
        return rc;
    }
    if (t->out_is_file) {
        rc = write_file(t, out->data, out->len);
        ge_buf_free(out);
        return rc;
    }
    return queue(t, out);
}

int ge_transport_send(struct ge_transport *t, const json_t *msg)
{
    if (t->closing)
        return -ESHUTDOWN;
    struct ge_buf out;
    ge_buf_init(&out, GE_OUT_QUEUE_MAX);
    return send_framed(t, &out, ge_rpc_encode(msg, &out));
}

int ge_transport_send_framed(struct ge_transport *t, struct ge_buf *framed)
{
    if (t->closing) {
        ge_buf_free(framed);
        return -ESHUTDOWN;
    }
    return send_framed(t, framed, 0);
}

int ge_transport_send_body(struct ge_transport *t, const char *body, size_t len)
{
    if (t->closing)
        return -ESHUTDOWN;
    char head[GE_FRAME_HEADER_OUT_MAX];
    size_t hn = ge_frame_header(head, len);
    if (t->out_is_file) {
        int rc = write_file(t, head, hn);
        return rc != 0 ? rc : write_file(t, body, len);
    }
    size_t done = 0;
    if (t->out_queued == 0) {
        /* Nothing waits before it: the pipe usually takes the whole message at once. An error
         * is left to uv_write below, whose callback reports it as every write error is. */
        uv_buf_t bufs[2] = {uv_buf_init(head, (unsigned)hn),
                            uv_buf_init((char *)body, (unsigned)len)};
        int n = uv_try_write((uv_stream_t *)&t->out, bufs, 2);
        done = n > 0 ? (size_t)n : 0;
        if (done == hn + len)
            return 0;
    }
    struct ge_buf rest;
    ge_buf_init(&rest, GE_FRAME_HEADER_OUT_MAX + (size_t)GE_FRAME_BODY_MAX);
    int rc = ge_buf_reserve(&rest, hn + len - done);
    size_t skip = done > hn ? done - hn : 0;
    if (rc == 0 && done < hn)
        ge_buf_append(&rest, head + done, hn - done);
    if (rc == 0)
        ge_buf_append(&rest, body + skip, len - skip);
    /* A message begun must be finished, past the cap too, or the stream would be broken. */
    if (rc == 0 && done > 0)
        return queue(t, &rest);
    return send_framed(t, &rest, rc);
}

static void out_shutdown_done(uv_shutdown_t *req, int status)
{
    struct ge_transport *t = req->data;
    (void)status;
    free(req);
    /* ge_transport_abort may have closed the handle already, cancelling this shutdown. */
    if (!uv_is_closing((uv_handle_t *)&t->out))
        uv_close((uv_handle_t *)&t->out, handle_closed);
}

void ge_transport_abort(struct ge_transport *t)
{
    if (!t->out_is_file && !uv_is_closing((uv_handle_t *)&t->out))
        uv_close((uv_handle_t *)&t->out, handle_closed);
}

void ge_transport_close(struct ge_transport *t)
{
    if (t->closing)
        return;
    t->closing = true;
    t->reading = false;
    int pending = t->open_handles;
    if (!t->in_is_file && !uv_is_closing((uv_handle_t *)&t->in.pipe))
        uv_close((uv_handle_t *)&t->in.pipe, handle_closed);
    if (!t->out_is_file && !uv_is_closing((uv_handle_t *)&t->out)) {
        uv_shutdown_t *req = ge_xmalloc(sizeof *req);
        req->data = t;
        if (t->out_queued == 0 ||
            uv_shutdown(req, (uv_stream_t *)&t->out, out_shutdown_done) != 0) {
            free(req);
            uv_close((uv_handle_t *)&t->out, handle_closed);
        }
    }
    if (pending == 0) {
        ge_buf_free(&t->inbuf);
        if (t->on_closed != NULL)
            t->on_closed(t);
    }
}
