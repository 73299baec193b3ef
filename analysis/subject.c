/*
 * The source text of an expression as a one-line subject. The compiler prints an inlined
 * call's result as ~r0 and its temporaries as .autotmp_3, which say nothing to the reader;
 * when the range finder has found the expression itself, its source text reads better. The
 * text is rebuilt from tokens, so comments go and any run of white space becomes one space
 * (none after an opening bracket or before a closing one, and no trailing comma before a
 * closing bracket on its own line). A long literal or func body is elided to {...} as the
 * compiler prints it, and the whole is capped with an ellipsis.
 */
#include "goescape/buf.h"
#include "scan_internal.h"

#include <string.h>

/* A brace body longer than this, or spanning lines, is printed as {...}. */
#define BODY_MAX 24
/* Characters (not bytes) of a subject before it is cut with an ellipsis. */
#define SUBJECT_CHARS_MAX 60
/* Bytes of text gathered before the cut: enough for one character more than the cap. */
#define SUBJECT_BYTES_MAX (4 * (SUBJECT_CHARS_MAX + 1))

static bool is_char(const char *text, const struct golex_tok *t, char c)
{
    return t->kind == T_OP && t->end - t->start == 1 && text[t->start] == c;
}

static bool is_open(const char *text, const struct golex_tok *t)
{
    return is_char(text, t, '(') || is_char(text, t, '[') || is_char(text, t, '{');
}

static bool is_close(const char *text, const struct golex_tok *t)
{
    return is_char(text, t, ')') || is_char(text, t, ']') || is_char(text, t, '}');
}

/* Should the brace body opened at token i (closed at token close) be elided? */
static bool long_body(struct golex_toks *ts, size_t i, size_t close)
{
    if (close == i + 1)
        return false;
    const struct golex_tok *v = ts->v;
    for (size_t k = i + 1; k <= close; k++)
        if (v[k].nl_before)
            return true;
    return v[close].start - v[i].end > BODY_MAX;
}

/* Appends up to the room left below SUBJECT_BYTES_MAX. */
static void append_some(struct ge_buf *b, const char *p, size_t n)
{
    size_t room = SUBJECT_BYTES_MAX - b->len;
    ge_buf_append(b, p, n < room ? n : room);
}

/* Cuts b after SUBJECT_CHARS_MAX characters and appends an ellipsis. */
static void cap_chars(struct ge_buf *b)
{
    size_t chars = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (((unsigned char)b->data[i] & 0xc0) == 0x80)
            continue;
        if (chars++ == SUBJECT_CHARS_MAX) {
            while (i > 0 && b->data[i - 1] == ' ')
                i--;
            b->len = i;
            b->data[i] = '\0';
            ge_buf_appends(b, "\xe2\x80\xa6"); /* U+2026 */
            return;
        }
    }
}

char *ge__source_subject_new(const char *text, struct ge_span span)
{
    struct golex_toks ts;
    golex_toks_init(&ts, text, span.end, span.start);
    struct ge_buf b;
    ge_buf_init(&b, SUBJECT_BYTES_MAX + 8);
    for (size_t i = 0; b.len < SUBJECT_BYTES_MAX && golex_toks_need(&ts, i); i++) {
        const struct golex_tok *t = &ts.v[i], *prev = i > 0 ? &ts.v[i - 1] : NULL;
        /* A comma before a closing bracket on the next line is gofmt's, not the reader's. */
        if (is_char(text, t, ',') && golex_toks_need(&ts, i + 1) && is_close(text, &ts.v[i + 1]) &&
            ts.v[i + 1].nl_before)
            continue;
        t = &ts.v[i]; /* lexing may have moved the tokens */
        prev = i > 0 ? &ts.v[i - 1] : NULL;
        if (prev != NULL && t->start > prev->end && !is_open(text, prev) && !is_close(text, t))
            append_some(&b, " ", 1);
        append_some(&b, text + t->start, t->end - t->start);
        long close = is_char(text, t, '{') ? golex_toks_close(&ts, i) : -1;
        if (close > 0 && long_body(&ts, i, (size_t)close)) {
            append_some(&b, "...}", 4);
            i = (size_t)close;
        }
    }
    golex_toks_free(&ts);
    cap_chars(&b);
    char *s = ge_buf_steal(&b, NULL);
    return s != NULL ? s : ge_xstrdup("");
}
