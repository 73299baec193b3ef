/*
 * The range finder over tokens that the caller keeps, for callers that place many facts in
 * one text: the text is lexed once from its start, as far as the facts need, instead of once
 * per fact. Private to analysis/.
 */
#ifndef GE_ANALYSIS_SCAN_INTERNAL_H
#define GE_ANALYSIS_SCAN_INTERNAL_H

#include "goescape/scan.h"
#include "golex.h"

/* ge_scan_expr with the tokens of ts (borrowed; initialized on the same text, lexed further as
 * needed and reusable for the next position). */
struct ge_span ge__scan_expr_in(struct golex_toks *ts, const char *text, size_t len, size_t pos,
                                enum ge_fact_kind kind, const char *subject);

#endif
