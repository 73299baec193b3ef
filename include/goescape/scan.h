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
 *   - a selector or method value: the whole selector;
 *   - a + b + c (reported at one of its operators, with operands the printer may have
 *     rewritten, as ~r0 for an inlined call's result): every operand joined by operators of
 *     that precedence; *p and the like at the operator: the operator and its operand;
 *   - at the '(' of a call that is not the subject (an inlined call's arguments and what its
 *     body allocates, "... argument"): the whole call, from its callee to the matching ')';
 *   - at an argument that is not the subject, when the subject is a name passed as another
 *     argument of the same call on that line (Go before 1.26), or at a constant printed as
 *     its value: the token at pos.
 * When nothing matches the span is the single character at pos. The result always contains
 * pos (when pos < len). The text is lexed from its start up to pos (no guess at where a
 * declaration starts), so the span is the one ge_findings_build finds.
 */
struct ge_span ge_scan_expr(const char *text, size_t len, size_t pos, enum ge_fact_kind kind,
                            const char *subject);

/*
 * Where the inlay hint of an expression that ends at byte end goes: end itself when what
 * follows on its line, past spaces and comments, is ',', ')', ']', '}', ';' or nothing;
 * otherwise the end of the line's last token, before a comment that ends the line (when a
 * token such as a raw string goes on past the line, the line where it ends). A line longer
 * than GE_SCAN_HINT_MAX bytes past end keeps the hint at end. Returns end when end >= len.
 */
#define GE_SCAN_HINT_MAX (16u * 1024u)
size_t ge_scan_hint_offset(const char *text, size_t len, size_t end);

/* One top-level function or method declaration. */
struct ge_func_decl {
    char *name; /* owned: "F", "(*T).M" or "T.M", as the compiler names it; a generic receiver
                   keeps its parameters as written ("(*Stack[T]).Push"), a generic function
                   has none ("Map") */
    struct ge_span name_span; /* the identifier after "func" (and receiver) */
    struct ge_span decl;      /* from "func" to the closing '}' (or end of signature) */
};

/* Lists the top-level functions of a Go file in source order. Returns the count and a new
 * array in *out (free each name, then the array, with ge_func_decls_free). */
size_t ge_scan_funcs(const char *text, size_t len, struct ge_func_decl **out);
void ge_func_decls_free(struct ge_func_decl *decls, size_t n);

/* What a named type is, from its declaration. */
enum ge_type_kind {
    GE_TYPE_UNKNOWN,
    GE_TYPE_MAP,
    GE_TYPE_SLICE,
    GE_TYPE_ARRAY,
    GE_TYPE_CHAN,
    GE_TYPE_STRUCT,
    GE_TYPE_FUNC,
    GE_TYPE_INTERFACE,
    GE_TYPE_POINTER,
    GE_TYPE_NAMED, /* defined from another named type: "type H http.Header" */
};

/* One top-level type declaration ("type T map[K]V", also inside "type ( ... )"). */
struct ge_type_decl {
    char *name; /* owned */
    enum ge_type_kind kind;
};

/* Lists the top-level named types of a Go file in source order. Returns the count and a new
 * array in *out (free with ge_type_decls_free). */
size_t ge_scan_types(const char *text, size_t len, struct ge_type_decl **out);
void ge_type_decls_free(struct ge_type_decl *decls, size_t n);

/* The callee of the call whose '(' is at byte pos: the identifier chain right before it
 * ("fmt.Println", "s.mu.Lock"). Returns an empty span at pos when there is none. */
struct ge_span ge_scan_callee(const char *text, size_t len, size_t pos);

/* "go" or "defer" when that keyword comes right before byte pos (the statement's call or
 * func literal), or NULL. The string is static. */
const char *ge_scan_stmt_keyword(const char *text, size_t len, size_t pos);

#endif
