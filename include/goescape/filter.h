/*
 * What is shown of a file's findings: the one rule that the editor features (diagnostics,
 * hovers, code lenses, the status count) and `goescape check` share. A finding is shown when
 * its category is enabled and no goescape:ignore comment hides it. Pure functions of the text
 * and the findings: no I/O, no globals, safe on any thread.
 *
 * The ignore comment. A comment is a mark when, after the characters that open it and any
 * spaces or tabs, it reads "goescape:ignore", followed by the end of the comment or by anything but
 * a letter, digit, '_' or '-' (so a reason may follow: "//goescape:ignore cold path", and
 * "// goescape:ignore" with a space counts). A "//" later in a comment starts a mark too
 * ("// see above // goescape:ignore"). A mark hides the findings on its own line, after code
 * or alone, and on the line just below the comment-only lines it is part of (a group of at
 * most GE_IGNORE_ABOVE_MAX lines holding nothing but comments, with no blank line between).
 * The text "goescape:ignore" inside a string or rune literal is not a comment and hides
 * nothing; the Go lexing rules decide, including raw strings and block comments over several
 * lines.
 */
#ifndef GOESCAPE_FILTER_H
#define GOESCAPE_FILTER_H

#include "goescape/finding.h"

/* Comment-only lines above a finding's line that may hold its mark. */
#define GE_IGNORE_ABOVE_MAX 16u

/* True when a goescape:ignore comment hides code at byte offset off of text (borrowed,
 * len bytes, need not be NUL-terminated). An offset past the end hides nothing. Costs a scan
 * of a few lines, and of the text before them only when those lines hold the mark's words. */
bool ge_filter_ignored(const char *text, size_t len, size_t off);

/* True when f is shown: categories[f->category] is set and no mark hides f->span.start in
 * text. text is the text f's span refers to (borrowed; NULL with len 0 checks the category
 * alone). categories is borrowed, GE_CAT_COUNT entries. */
bool ge_filter_shows(const bool *categories, const char *text, size_t len,
                     const struct ge_finding *f);

/* Longest position prefix of a skipped explanation block that is remembered. */
#define GE_SKIP_POS_MAX 512u

/*
 * Compiler output that a run which shows no leaking parameters (or no values that do not
 * escape) can leave out of the parse: the "parameter P leaks to SINK ...:" explanation blocks
 * with their "leaking param" summaries, which can be nearly all of the -m=2 output (go/types:
 * 83 of 85 MB), and the "does not escape" lines; and the inliner's lines ("inlining call to",
 * "can inline", "cannot inline"), which carry no fact. Nothing else is skipped, so every other
 * fact and its explanation come out of the parse exactly as without the skip. Line by line;
 * the state carries the open block from one line to the next.
 */
struct ge_output_skip {
    bool params;    /* leaking parameters are shown: keep their lines */
    bool noescape;  /* "does not escape" facts are shown: keep them */
    size_t pos_len; /* the position prefix of the skipped block still open, or 0 */
    char pos[GE_SKIP_POS_MAX];
};

/* True when line[0..n) (without its newline) can be left out of the parse. A "#" header or
 * any line that is not the continuation of the skipped block ends it. */
bool ge_filter_skip_line(struct ge_output_skip *s, const char *line, size_t n);

#endif
