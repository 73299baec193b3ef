/*
 * LSP base-protocol framing ("Content-Length: N\r\n\r\n" + body), both ways: an incremental
 * parser for what the client sends, a drain loop that walks a buffer through it, and the one
 * writer of message headers. All of it is pure. The parser looks at the bytes the transport has
 * accumulated and says whether a whole message is at the front, how many bytes to drop, or what is
 * wrong with the header. It keeps only the state needed to skip what follows a bad header: the body
 * of an oversized message as it streams past, or unframed bytes up to the next "Content-Length"
 * header.
 */
#ifndef GOESCAPE_FRAME_H
#define GOESCAPE_FRAME_H

#include "goescape/buf.h"
#include "goescape/common.h"

/* The header block of one message, including its terminating blank line. */
#define GE_FRAME_HEADER_MAX 8192
/* One message body. Large enough for a didOpen of a 50 MB document with JSON escaping. */
#define GE_FRAME_BODY_MAX (128u * 1024u * 1024u)
/* The most bytes ge_frame_drain leaves unconsumed: a header block and a body one byte short of
 * complete. A transport that reads into one buffer of this size plus its read size never fills
 * it. */
#define GE_FRAME_PENDING_MAX (GE_FRAME_HEADER_MAX + GE_FRAME_BODY_MAX)
/* The longest header ge_frame_header writes: "Content-Length: ", 20 digits and "\r\n\r\n". */
#define GE_FRAME_HEADER_OUT_MAX 48

struct ge_framer {
    size_t discard; /* body bytes of a rejected message still to drop */
    bool resync;    /* after a bad header: drop bytes up to the next "Content-Length" */
};

enum ge_frame_status {
    GE_FRAME_MORE = 0,    /* no whole message yet; read more and call again */
    GE_FRAME_MESSAGE = 1, /* body/body_len are valid; drop consumed bytes afterwards */
    GE_FRAME_SKIP = 2,    /* drop consumed bytes (discarding an oversized body) and go on */
};

struct ge_frame {
    const char *body; /* borrowed from the input; valid until the caller drops bytes */
    size_t body_len;
    size_t consumed;   /* bytes at the front of the input the caller must drop */
    const char *error; /* static text explaining a negative return */
};

/* Prepares a framer for a new stream. Allocates nothing; there is no matching _free. */
void ge_framer_init(struct ge_framer *f);

/*
 * Examines data[0..len) (borrowed). Returns a ge_frame_status, or a negative errno on a bad
 * header:
 *   -EPROTO   missing, empty, non-numeric, negative or duplicated Content-Length, or a
 *             malformed line (no ':' or a header name that is not an HTTP token);
 *   -EMSGSIZE header block past GE_FRAME_HEADER_MAX, or Content-Length past GE_FRAME_BODY_MAX
 *             (the body is then discarded as it arrives, through later GE_FRAME_SKIP returns).
 * On every return out->consumed says how many bytes to drop, so the stream resynchronises
 * after an error: a bad header block is dropped through its blank line, and the bytes after
 * it (a body of unknown length) up to the next "Content-Length" header are dropped silently,
 * partly in this call and partly through later GE_FRAME_SKIP returns, without further errors.
 * An error always consumes at least one byte.
 *
 * Header names are case-insensitive; lines may end in "\r\n" or a bare "\n". Content-Type and
 * unknown headers are tolerated. Each call costs O(size of the header block), never O(body),
 * so a batch of messages is parsed in linear time by advancing a cursor. The caller must pass
 * the same bytes again (plus any new ones) after GE_FRAME_MORE.
 */
int ge_frame_next(struct ge_framer *f, const char *data, size_t len, struct ge_frame *out);

/*
 * What ge_frame_drain hands on. Each callback returns true to go on draining and false to stop
 * at once (a transport stops when a message makes it close). ctx is the caller's.
 *   on_message: one whole body, borrowed from the input for the duration of the call.
 *   on_error:   a bad header (err and what as from ge_frame_next); the stream has already
 *               resynchronised past it, so draining can go on.
 */
typedef bool (*ge_frame_message_cb)(void *ctx, const char *body, size_t len);
typedef bool (*ge_frame_error_cb)(void *ctx, int err, const char *what);

struct ge_frame_sink {
    ge_frame_message_cb on_message;
    ge_frame_error_cb on_error;
    void *ctx;
};

/*
 * Walks every complete message at the front of data[0..len) (borrowed) through f, calling sink
 * (borrowed) for each message and each error in stream order, and returns how many bytes at the
 * front the caller must drop afterwards (compacting its buffer once per read). Unless a callback
 * stopped it, fewer than GE_FRAME_PENDING_MAX bytes are left: the caller keeps them and calls
 * again with them plus the next read. A callback may not change data; it may stop the drain.
 * Cannot fail: bad input is reported through on_error and skipped.
 */
size_t ge_frame_drain(struct ge_framer *f, const char *data, size_t len,
                      const struct ge_frame_sink *sink);

/*
 * Writes the header of a message whose body is body_len bytes into dst (borrowed, at least
 * GE_FRAME_HEADER_OUT_MAX bytes) and returns its length, not counting the NUL written after it.
 * Every message the server sends gets its header here.
 */
size_t ge_frame_header(char *dst, size_t body_len);

/*
 * Appends a whole message to out (borrowed): the header, then body (borrowed, len bytes, sent
 * as it is). Returns 0, or -ENOBUFS past out's cap with out unchanged. For relaying a body read
 * from elsewhere; messages built here go through ge_rpc_encode.
 */
int ge_frame_wrap(struct ge_buf *out, const char *body, size_t len);

#endif
