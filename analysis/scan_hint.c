/*
 * Where an inlay hint goes. A hint drawn right after an expression reads well only when the
 * expression ends there: before a ',', a closing bracket, a ';' or the end of the line. Drawn
 * before ".Value(key)", " := Context{" or " [4]int", it splits the code it annotates, so such
 * a hint moves to the end of the line instead. The text is lexed, so a bracket in a comment or
 * a string is never taken for a delimiter and a comment ending the line counts as its end.
 */
#include "goescape/scan.h"
#include "golex.h"

static bool is_delimiter(const char *text, const struct golex_tok *t)
{
    if (t->kind != T_OP || t->end - t->start != 1)
        return false;
    char c = text[t->start];
    return c == ',' || c == ')' || c == ']' || c == '}' || c == ';';
}

size_t ge_scan_hint_offset(const char *text, size_t len, size_t end)
{
    if (text == NULL || end >= len)
        return end;
    struct golex lx;
    golex_init(&lx, text, len, end);
    struct golex_tok t = golex_next(&lx);
    if (t.kind == T_EOF || t.nl_before || is_delimiter(text, &t))
        return end;
    /* The end of the line's last token. A token that goes on past the line (a raw string)
     * carries the line on to the one where it ends. */
    size_t last = t.end;
    for (;;) {
        t = golex_next(&lx);
        if (t.kind == T_EOF || t.nl_before)
            return last;
        if (t.end - end > GE_SCAN_HINT_MAX)
            return end;
        last = t.end;
    }
}
