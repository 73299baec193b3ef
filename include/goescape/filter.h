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

#endif
