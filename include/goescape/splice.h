/*
 * goescape's hover section spliced into the bytes of gopls's hover answer, in companion mode.
 * Decoding the answer, merging it and encoding it again costs more than the answer itself
 * takes gopls to make; the splice finds the end of the markdown text with the byte-level
 * scanner (jscan.h) and writes the framed answer in one buffer. Pure.
 */
#ifndef GOESCAPE_SPLICE_H
#define GOESCAPE_SPLICE_H

#include "goescape/buf.h"

/* What stands between gopls's markdown and goescape's section: a thematic break. */
#define GE_SPLICE_RULE "\n\n---\n\n"

/* body (borrowed) is a JSON-RPC response to textDocument/hover. When its result's contents
 * are markdown MarkupContent, {"kind": "markdown", "value": "..."} and nothing else, written
 * without escapes in any key on the way and without a key twice, appends to out (empty) the
 * framed message whose body is body with GE_SPLICE_RULE and section (n bytes of UTF-8,
 * borrowed) added to the end of that value. Returns 0; -EBADMSG for any other shape (a null
 * result, a MarkedString, an array, plain text, an error, malformed text), with out left
 * empty; or -ENOBUFS past out's cap. */
int ge_splice_hover(const char *body, size_t len, const char *section, size_t n,
                    struct ge_buf *out);

#endif
