/*
 * The range finder over tokens that the caller keeps, for callers that place many facts in
 * one text: the text is lexed once from its start, as far as the facts need, instead of once
 * per fact. Private to analysis/.
 */
#ifndef GE_ANALYSIS_SCAN_INTERNAL_H
#define GE_ANALYSIS_SCAN_INTERNAL_H

#include "goescape/scan.h"
#include "golex.h"

/* How the range finder placed a span. */
enum ge_span_fit {
    GE_FIT_EXPR,  /* the expression the subject prints, found in the source */
    GE_FIT_CALL,  /* the call (or parenthesised expression) at whose '(' the compiler
                     reports the subject: an inlined call's arguments and allocations */
    GE_FIT_TOKEN, /* the token at the position: the subject is printed differently or lies
                     elsewhere (a neighbouring argument, a constant printed as its value) */
    GE_FIT_CHAR,  /* nothing matched: the one character at the position */
};

/* ge_scan_expr with the tokens of ts (borrowed; initialized on the same text, lexed further as
 * needed and reusable for the next position). Sets *fit (when fit is not NULL). */
struct ge_span ge__scan_expr_in(struct golex_toks *ts, const char *text, size_t len, size_t pos,
                                enum ge_fact_kind kind, const char *subject, enum ge_span_fit *fit);

/* ge_scan_funcs and ge_scan_types over the tokens of ts (borrowed; initialized on the whole
 * text from offset 0, in full or as an outline, and lexed further as needed): a caller that
 * needs both lexes the text once. */
size_t ge__scan_funcs_in(struct golex_toks *ts, struct ge_func_decl **out);
size_t ge__scan_types_in(struct golex_toks *ts, struct ge_type_decl **out);

/*
 * Walkers over Go expressions in ts (scan_operand.c). Token indexes are into ts->v; the tokens
 * before the index given are already lexed, later ones are lexed as needed. -1 means no such
 * expression.
 */

/* Is the identifier token t a Go keyword? */
bool ge__is_keyword(const char *text, const struct golex_tok *t);
/* Does token k continue the operand that ends at token k - 1, as the '(' of a call, the '[' of
 * an index or the '.' of a selector does? Not across a line break, which ends a statement. */
bool ge__continues(const struct golex_toks *ts, size_t k);
/* The first token of the type written right before token i (the '{' of a composite literal):
 * T, pkg.T, T[args], []T, [N]T, map[K]V, []*T, struct{...}. */
long ge__type_back(struct golex_toks *ts, size_t i);
/* The first token of the operand (name, selector, call, index, literal, parenthesised
 * expression, conversion) whose last token is last. */
long ge__operand_back(struct golex_toks *ts, size_t last);

/* The last token of the operand that starts at token i. */
long ge__operand_fwd(struct golex_toks *ts, size_t i);
/* The last token of the unary expression (operators, then an operand) that starts at i. */
long ge__unary_fwd(struct golex_toks *ts, size_t i);
/* 5 for multiplicative binary operators, 4 for additive ones, 0 for any other token. */
int ge__binary_prec(const char *text, const struct golex_tok *t);
/* The span of the binary expression around the operator at token op: its operands and every
 * operand joined to them by operators of the same or higher precedence. False when op is not
 * a binary operator or an operand next to it is not one the walkers know. */
bool ge__binary_chain(struct golex_toks *ts, size_t op, struct ge_span *out);

/* The source text of span as a one-line subject (subject.c): tokens joined by single spaces
 * where the source has white space, comments dropped, long brace bodies elided to {...},
 * capped at about 60 characters with an ellipsis. New. */
char *ge__source_subject_new(const char *text, struct ge_span span);

#endif
