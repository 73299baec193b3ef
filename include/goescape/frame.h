/*
 * Incremental LSP base-protocol framing ("Content-Length: N\r\n\r\n" + body). The parser is
 * pure: it looks at the bytes the transport has accumulated and says whether a whole message
 * is at the front, how many bytes to drop, or what is wrong with the header. It keeps only
 * the state needed to skip what follows a bad header: the body of an oversized message as it
 * streams past, or unframed bytes up to the next "Content-Length" header.
 */
#ifndef GOESCAPE_FRAME_H
#define GOESCAPE_FRAME_H

#include "goescape/common.h"

/* The header block of one message, including its terminating blank line. */
#define GE_FRAME_HEADER_MAX 8192
/* One message body. Large enough for a didOpen of a 50 MB document with JSON escaping. */
#define GE_FRAME_BODY_MAX (128u * 1024u * 1024u)

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

#endif
