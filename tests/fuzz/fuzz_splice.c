/*
 * libFuzzer target for protocol/splice.c, goescape's hover section spliced into the bytes of
 * gopls's answer. The input is split at its first NUL byte into gopls's answer and the section
 * (the section is then made valid UTF-8 by jansson's check, or the input is skipped). Whenever
 * the splice accepts an answer, the answer must be one jansson decodes, and the spliced body
 * must decode to what decoding and merging gives (ge_companion_merge_hover).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "companion/companion.h"
#include "goescape/buf.h"
#include "goescape/frame.h"
#include "goescape/splice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_splice: invariant failed: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    const char *nul = memchr(body, '\0', size);
    size_t len = nul != NULL ? (size_t)(nul - body) : size;
    const char *section = nul != NULL ? nul + 1 : "section";
    size_t n = nul != NULL ? size - len - 1 : 7;
    json_t *ours =
        json_pack("{s:{s:s, s:s%}}", "contents", "kind", "markdown", "value", section, n);
    if (ours == NULL)
        return 0; /* not UTF-8: goescape's own text always is */
    struct ge_buf out;
    ge_buf_init(&out, GE_FRAME_HEADER_OUT_MAX + (size_t)GE_FRAME_BODY_MAX);
    if (ge_splice_hover(body, len, section, n, &out) == 0) {
        json_t *want = json_loadb(body, len, JSON_ALLOW_NUL, NULL);
        /* The splice checks brackets and strings only: an answer with a bad number or a bad
         * escape elsewhere is relayed as it came, as every undecoded answer is. */
        if (json_is_object(want)) {
            json_t *merged = ge_companion_merge_hover(json_object_get(want, "result"), ours);
            json_object_set_new(want, "result", merged);
            const char *sep = strstr(out.data, "\r\n\r\n");
            check(sep != NULL, "a header");
            size_t at = (size_t)(sep + 4 - out.data);
            /* goescape's section may carry a NUL byte, written as \u0000 */
            json_t *got = json_loadb(out.data + at, out.len - at, JSON_ALLOW_NUL, NULL);
            check(got != NULL, "the spliced body decodes");
            check(json_equal(got, want), "splice and merge agree");
            json_decref(got);
        }
        json_decref(want);
    }
    ge_buf_free(&out);
    json_decref(ours);
    return 0;
}
