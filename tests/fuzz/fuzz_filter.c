/*
 * libFuzzer target for analysis/filter.c. The input is a Go file's text: every offset (or a
 * sample of them in a long input) is asked whether a goescape:ignore comment hides it, which
 * must never read out of bounds and never hide anything in a text without the mark's words.
 * The same bytes, read as compiler output, go line by line through the output skip. The
 * assertions found in them must lie inside the text, each covering bytes of the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/assert.h"
#include "goescape/filter.h"

/* Offsets past this are sampled, to keep each input fast. */
#define EXHAUSTIVE 256
#define STRIDE     31

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_words(const char *s, size_t n)
{
    static const char w[] = "goescape:ignore";
    for (size_t i = 0; i + sizeof w - 1 <= n; i++)
        if (memcmp(s + i, w, sizeof w - 1) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy, so a read past the end is caught by the sanitizers. */
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    bool words = has_words(text, size);
    for (size_t off = 0; off <= size + 1; off += off < EXHAUSTIVE ? 1 : STRIDE) {
        bool hidden = ge_filter_ignored(text, size, off);
        if (hidden && (!words || off > size)) {
            fprintf(stderr, "fuzz_filter: offset %zu hidden without a mark\n", off);
            abort();
        }
    }
    struct ge_output_skip skip = {0};
    for (size_t i = 0; i < size;) {
        const char *nl = memchr(text + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - text) : size;
        (void)ge_filter_skip_line(&skip, text + i, end - i);
        i = end + 1;
    }
    struct ge_assertion *a;
    size_t na = ge_assert_scan(text, size, &a);
    for (size_t i = 0; i < na; i++) {
        bool inside = a[i].comment.start < a[i].comment.end && a[i].comment.end <= size &&
                      a[i].target.start <= a[i].target.end && a[i].target.end <= size;
        if (!inside) {
            fprintf(stderr, "fuzz_filter: assertion %zu outside the text\n", i);
            abort();
        }
    }
    struct ge_assert_result *r;
    size_t nr = ge_assert_check(a, na, NULL, 0, &r);
    if (nr != na) {
        fprintf(stderr, "fuzz_filter: %zu assertions without findings gave %zu verdicts\n", na, nr);
        abort();
    }
    free(r);
    free(a);
    free(text);
    return 0;
}
