/*
 * libFuzzer target for the Go scanner. The input is a small header and a Go source text:
 *
 *   byte 0-1  position (little endian, taken modulo the text length)
 *   byte 2    fact kind (modulo 4)
 *   bytes 3.. the printed subject, up to the first newline
 *   the rest  the source text
 *
 * The range finder must return a span inside the text that contains the position; the
 * declaration listers and the small lookups must not read out of bounds, and an inlay hint
 * goes at or after the end of the span, inside the text.
 */
#include "goescape/scan.h"

#include <stdlib.h>
#include <string.h>

/* Longest subject taken from an input. */
#define FUZZ_SUBJECT_MAX 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void scan_decls(const char *text, size_t len)
{
    struct ge_func_decl *funcs = NULL;
    size_t n = ge_scan_funcs(text, len, &funcs);
    for (size_t i = 0; i < n; i++)
        if (funcs[i].decl.end > len || funcs[i].name_span.end > len || funcs[i].name == NULL)
            __builtin_trap();
    ge_func_decls_free(funcs, n);
    struct ge_type_decl *types = NULL;
    n = ge_scan_types(text, len, &types);
    ge_type_decls_free(types, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t pos = (size_t)data[0] | (size_t)data[1] << 8;
    enum ge_fact_kind kind = (enum ge_fact_kind)(data[2] % 4);
    const char *rest = (const char *)data + 3;
    size_t n = size - 3;
    const char *nl = memchr(rest, '\n', n);
    size_t slen = nl != NULL ? (size_t)(nl - rest) : n;
    if (slen > FUZZ_SUBJECT_MAX)
        slen = FUZZ_SUBJECT_MAX;
    char subject[FUZZ_SUBJECT_MAX + 1];
    memcpy(subject, rest, slen);
    subject[slen] = '\0';
    const char *text = nl != NULL ? nl + 1 : rest + n;
    size_t len = (size_t)((const char *)data + size - text);
    /* A copy of exactly len bytes, so that ASan sees any read past the end. */
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    if (len > 0) {
        pos %= len;
        struct ge_span sp = ge_scan_expr(copy, len, pos, kind, subject);
        if (sp.start > pos || sp.end <= pos || sp.end > len)
            __builtin_trap();
        struct ge_span c = ge_scan_callee(copy, len, pos);
        if (c.start > c.end || c.end > len)
            __builtin_trap();
        (void)ge_scan_stmt_keyword(copy, len, pos);
        size_t hint = ge_scan_hint_offset(copy, len, sp.end);
        if (hint < sp.end || hint > len)
            __builtin_trap();
    }
    scan_decls(copy, len);
    free(copy);
    return 0;
}
