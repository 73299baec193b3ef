/*
 * Text positions: mapping between compiler byte columns and LSP positions in the negotiated
 * encoding, and applying LSP content changes to a document's text. Pure functions over byte
 * strings; the text is UTF-8 as Go source is, and invalid bytes count as one unit each.
 */
#ifndef GOESCAPE_TEXT_H
#define GOESCAPE_TEXT_H

#include "goescape/buf.h"

/* Largest document the server keeps. */
#define GE_TEXT_MAX (96u * 1024u * 1024u)

struct ge_position {
    uint32_t line;      /* 0-based */
    uint32_t character; /* 0-based, in the negotiated encoding */
};

struct ge_range {
    struct ge_position start;
    struct ge_position end;
};

/* A byte span [start, end) in a text. */
struct ge_span {
    size_t start;
    size_t end;
};

/* Lines end at "\n" (a "\r" before it belongs to the line ending); a lone "\r" does not end
 * a line, matching how the Go compiler counts lines. All text arguments are borrowed and may
 * be NULL when their length is 0. */

/* Stores the byte offset where 0-based line starts, or returns -ERANGE when the text has fewer
 * lines (a position on the line just past a final newline is valid and equals len). */
int ge_text_line_offset(const char *text, size_t len, uint32_t line, size_t *offset);

/* Byte length of the line starting at offset, excluding "\n" or "\r\n". */
size_t ge_text_line_length(const char *text, size_t len, size_t offset);

/* Counts the units of enc in line[0..byte_col). byte_col past the line clamps to its end; a
 * byte_col inside a character counts only the characters before it. A valid 4-byte UTF-8
 * sequence is 2 UTF-16 units, any other valid character 1, and each byte that is not part of
 * a valid sequence (overlong, surrogate, truncated, past U+10FFFF) 1 in both encodings. */
uint32_t ge_text_units(const char *line, size_t line_len, size_t byte_col, enum ge_encoding enc);

/* Finds the byte column of a character offset in units of enc.
 * Returns 0, -ERANGE when units is past the end of the line (*byte_col then is the line's
 * length), or -EILSEQ when units lands inside a character (e.g. between the two halves of a
 * surrogate pair; *byte_col is then the start of that character). */
int ge_text_byte_col(const char *line, size_t line_len, uint32_t units, enum ge_encoding enc,
                     size_t *byte_col);

/* Converts an LSP position into a byte offset in text. Same errors as above, plus -ERANGE for
 * a line past the end. On -ERANGE/-EILSEQ *offset holds the clamped offset. */
int ge_text_offset(const char *text, size_t len, struct ge_position pos, enum ge_encoding enc,
                   size_t *offset);

/* Converts a byte offset (clamped to len) into an LSP position. */
struct ge_position ge_text_position(const char *text, size_t len, size_t offset,
                                    enum ge_encoding enc);

/* The start offsets of every line of one text, for converting many offsets of that text
 * without rescanning it from the start each time. */
struct ge_lines {
    size_t *starts; /* owned; starts[0] == 0 */
    size_t count;
};

/* Indexes text[0..len) (borrowed; it must not change while the index is used). */
void ge_lines_init(struct ge_lines *l, const char *text, size_t len);
void ge_lines_free(struct ge_lines *l);
/* Same result as ge_text_position, in O(log lines + line length). */
struct ge_position ge_lines_position(const struct ge_lines *l, const char *text, size_t len,
                                     size_t offset, enum ge_encoding enc);
/* Byte offset where 0-based line starts, or -ERANGE past the last line. */
int ge_lines_offset(const struct ge_lines *l, uint32_t line, size_t *offset);

/* What an edit did, in bytes, so that positions kept elsewhere can follow it. */
struct ge_text_delta {
    size_t start;   /* first byte replaced */
    size_t old_end; /* end of the replaced bytes in the old text */
    size_t new_end; /* end of the inserted bytes in the new text */
};

/* The byte span that turns old_text into new_text (both borrowed, NULL when their length is
 * 0): the common prefix and, after it, the common suffix stay, each ending at a character
 * boundary (a byte that is not a UTF-8 continuation byte). Identical texts give an empty
 * change at the end. O(length). */
void ge_text_diff(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                  struct ge_text_delta *delta);

/* Replaces range (in units of enc; NULL means the whole text) with new_text[0..new_len)
 * (borrowed). Ranges past the end of the text are clamped as the LSP specification asks; a
 * range that splits a character, or whose end precedes its start, is rejected with -EINVAL
 * and the text is unchanged. -ENOBUFS when the result would pass text->max. delta (may be
 * NULL) receives the byte span that changed: for a whole-text replacement, the span
 * ge_text_diff finds between the old and the new text, so that positions kept outside it
 * (findings) survive a full-document sync, a revert or a formatter. Costs O(offset of the
 * range end + text length) with memchr doing the line scanning. */
int ge_text_apply(struct ge_buf *text, const struct ge_range *range, enum ge_encoding enc,
                  const char *new_text, size_t new_len, struct ge_text_delta *delta);

#endif
