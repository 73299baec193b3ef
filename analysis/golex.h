/*
 * A small Go tokenizer for the range finder and the declaration lister. It skips white space
 * and comments, and returns strings, raw strings and runes as single tokens, so a bracket
 * inside any of them is never seen as a bracket. It does not validate: malformed input gives
 * T_BAD tokens or short strings, never an out-of-bounds read. Private to analysis/.
 */
#ifndef GE_ANALYSIS_GOLEX_H
#define GE_ANALYSIS_GOLEX_H

#include "goescape/common.h"

enum golex_kind {
    T_EOF,
    T_IDENT, /* identifiers and keywords */
    T_NUMBER,
    T_STRING, /* "..." or `...` */
    T_RUNE,
    T_OP, /* operators and punctuation, longest match */
    T_BAD,
};

/* 12 bytes: a large file has hundreds of thousands of tokens. Texts are capped at
 * GE_TEXT_MAX, so offsets fit in 32 bits. */
struct golex_tok {
    uint32_t start; /* byte offsets into the text */
    uint32_t end;
    uint8_t kind;   /* enum golex_kind */
    bool nl_before; /* a newline (or a comment holding one) precedes the token */
};

struct golex {
    const char *text; /* borrowed */
    size_t len;
    size_t off;
};

/* Starts lexing text[off..len). */
void golex_init(struct golex *lx, const char *text, size_t len, size_t off);
/* Returns the next token; T_EOF (start == end == len) at the end, forever. */
struct golex_tok golex_next(struct golex *lx);

/* True when the token's bytes equal the NUL-terminated s. */
bool golex_is(const char *text, const struct golex_tok *t, const char *s);
/* True for bytes that may continue an identifier (ASCII letters, digits, '_', and every byte of
 * a multi-byte UTF-8 sequence, which is how non-ASCII letters are accepted). */
bool golex_ident_byte(unsigned char c);

/* A growable list of tokens, lexed lazily from a start offset. */
struct golex_toks {
    struct golex lx;
    struct golex_tok *v; /* owned */
    size_t n;
    size_t cap;
    bool eof;
    bool outline; /* the insides of brace pairs are left out (golex_toks_init_outline) */
};

void golex_toks_init(struct golex_toks *ts, const char *text, size_t len, size_t off);
/* Like golex_toks_init from the start of text, for a list in which the inside of every brace
 * pair, and of the parentheses after "var", "const" and "import", is left out: the opening
 * bracket is followed by the one that closes it, which has the nl_before it has when lexed.
 * The brackets, and so the depth of every token kept and what golex_toks_close finds, are the
 * same as in the full list; top-level declarations read the same from it, without lexing
 * function bodies. A pair that does not close within GOLEX_MAX_SPAN is lexed in full, since
 * golex_toks_close does not find its end either. */
void golex_toks_init_outline(struct golex_toks *ts, const char *text, size_t len);
void golex_toks_free(struct golex_toks *ts);
/* Makes token i available; returns false when the text ends first. */
bool golex_toks_need(struct golex_toks *ts, size_t i);
/* Index of the bracket that closes the one at i ('(' '[' '{'), or -1. Lexes as needed; gives up
 * after GOLEX_MAX_SPAN bytes so a stray bracket cannot make a scan read a whole large file. */
long golex_toks_close(struct golex_toks *ts, size_t i);
/* Index of the bracket that opens the one at i (')' ']' '}'), or -1. */
long golex_toks_open(const struct golex_toks *ts, size_t i);

/* Index of the first token after a func signature whose parameter list opens at token j:
 * the body's '{' when there is one. Results may be a list, a type, or struct, interface and
 * func types. Returns j when the parameters are not closed. */
size_t golex_sig_end(struct golex_toks *ts, size_t j);

/* Receives one comment: its bytes text[start..end), opening characters included (a line
 * comment ends before its newline), and the 0-based line it starts on, counted from region. */
typedef void (*golex_comment_cb)(void *ctx, size_t start, size_t end, size_t line);

/*
 * Lexes text[0..end) by Go's rules for comments and literals (raw strings and block comments
 * over several lines included, as the compiler reads them) and calls cb for each comment that
 * starts at or after region, on a line below ncode. code[k] (borrowed, ncode entries, zeroed
 * by the caller) is set when the k-th line from region holds something other than comments
 * and white space; when cb runs, code[line] tells whether code precedes the comment on its
 * line. Implemented in filter.c, which shares it with the ignore comment.
 */
void golex_comments(const char *text, size_t end, size_t region, bool *code, size_t ncode,
                    golex_comment_cb cb, void *ctx);

#define GOLEX_MAX_SPAN (256u * 1024u)

#endif
