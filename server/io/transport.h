/*
 * The stdio transport: reads framed LSP messages from stdin and writes framed messages to
 * stdout, both as libuv streams (or, when a descriptor is a regular file, through uv_fs).
 * Incoming bytes accumulate in one capped buffer that libuv reads straight into; framing is
 * parsed with a cursor and the buffer compacted once per read. Outgoing messages queue in
 * libuv with a byte cap, so a client that stops reading cannot grow the server without bound.
 * Runs on the loop thread only.
 */
#ifndef GE_SERVER_TRANSPORT_H
#define GE_SERVER_TRANSPORT_H

#include <uv.h>
#include <jansson.h>

#include "goescape/buf.h"
#include "goescape/frame.h"
#include "goescape/rpc.h"

/* Bytes of framed output that may wait for the client before messages are dropped. */
#define GE_OUT_QUEUE_MAX (64u * 1024u * 1024u)
/* How much free space each read offers libuv. */
#define GE_READ_CHUNK (64u * 1024u)

struct ge_transport;

/* One whole message body; body is borrowed for the duration of the call. */
typedef void (*ge_transport_message_cb)(struct ge_transport *t, const char *body, size_t len);
/* A framing error; the stream has resynchronised past the bad bytes. */
typedef void (*ge_transport_error_cb)(struct ge_transport *t, int err, const char *what);
/* stdin reached EOF or failed, or stdout broke (err says which: 0 for EOF). */
typedef void (*ge_transport_eof_cb)(struct ge_transport *t, int err);
typedef void (*ge_transport_closed_cb)(struct ge_transport *t);

struct ge_transport {
    uv_loop_t *loop;
    union {
        uv_pipe_t pipe;
        uv_fs_t fs;
    } in;
    uv_pipe_t out;
    bool in_is_file;
    bool out_is_file;
    int in_fd;
    int out_fd;
    int64_t in_file_off;
    struct ge_buf inbuf;
    struct ge_framer framer;
    size_t out_queued;  /* bytes written but not yet flushed */
    size_t out_dropped; /* messages dropped at the cap */
    int open_handles;
    bool reading;
    bool closing;
    bool dispatching;
    ge_transport_message_cb on_message;
    ge_transport_error_cb on_error;
    ge_transport_eof_cb on_eof;
    ge_transport_closed_cb on_closed;
    void *data; /* the owner's */
};

/* Sets up the transport over in_fd/out_fd (borrowed; not closed). Returns 0 or a negative
 * errno from libuv. On error the transport must still be closed with ge_transport_close. */
int ge_transport_init(struct ge_transport *t, uv_loop_t *loop, int in_fd, int out_fd);
/* Starts delivering messages. */
int ge_transport_start(struct ge_transport *t);
/* Frames and queues msg (borrowed). Returns 0, -ENOBUFS when the queue is at its cap (the
 * message is dropped and counted), -EPIPE after stdout broke, -ESHUTDOWN while closing. */
int ge_transport_send(struct ge_transport *t, const json_t *msg);
/* Queues a message framed already (header and body, as ge_rpc_encode and
 * ge_rpc_notification_encode_raw write them). framed's storage is taken over, without a copy, and
 * framed is left empty on every return. Returns as ge_transport_send. */
int ge_transport_send_framed(struct ge_transport *t, struct ge_buf *framed);
/* Sends body (borrowed: len bytes, as they came from elsewhere) behind a header of its own.
 * When nothing is queued it is written at once from where it lies, header and body in one
 * system call, without a copy; what the pipe does not take is copied and queued. Returns as
 * ge_transport_send. */
int ge_transport_send_body(struct ge_transport *t, const char *body, size_t len);
/* Stops reading, closes both handles, and calls on_closed (may be NULL) from the last close
 * callback. Pending writes are flushed first when possible. */
void ge_transport_close(struct ge_transport *t);

/* Closes stdout at once, dropping what the client has not taken (used when it stops reading
 * while the server exits). */
void ge_transport_abort(struct ge_transport *t);

#endif
