/*
 * A small Go scanner, enough to find the source extent of the expression the compiler points
 * at and the functions a file declares. It understands comments, interpreted and raw strings,
 * and runes, so brackets inside them are never counted. Pure functions over a byte string.
 */
#ifndef GOESCAPE_SCAN_H
#define GOESCAPE_SCAN_H

#include "goescape/report.h"
#include "goescape/text.h"

/*
 * Returns the byte span of the expression the compiler reported at byte offset pos of text,
 * given the fact kind and the subject as printed:
 *   - a name: the name;
 *   - make(...), new(...), calls, conversions: from the callee to the matching ')';
 *   - a composite literal: from its type to the matching '}'; &T{...} from the '&';
 *   - a func literal: 'func' through its signature, not the body;
 *   - a selector or method value: the whole selector; a + b: both operands.
 * When the subject cannot be matched the span is the single character at pos. The result
 * always contains pos (when pos < len).
 */
struct ge_span ge_scan_expr(const char *text, size_t len, size_t pos, enum ge_fact_kind kind,
                            const char *subject);

/* One top-level function or method declaration. */
struct ge_func_decl {
    char *name;           /* owned: "F" or "(*T).M" or "T.M", as the compiler names it */
    struct ge_span name_span; /* the identifier after "func" (and receiver) */
    struct ge_span decl;  /* from "func" to the closing '}' (or end of signature) */
};

/* Lists the top-level functions of a Go file in source order. Returns the count and a new
 * array in *out (free each name, then the array, with ge_func_decls_free). */
size_t ge_scan_funcs(const char *text, size_t len, struct ge_func_decl **out);
void ge_func_decls_free(struct ge_func_decl *decls, size_t n);

#endif
