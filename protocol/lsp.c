/*
 * LSP positions, ranges and locations as JSON. Client input is read with non-strict
 * json_unpack_ex, so extra members that newer clients add are ignored, while a missing or
 * mistyped member is a clear -EINVAL for the handler to turn into an invalid-params reply.
 */
#include "goescape/lsp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int ge_lsp_position_unpack(json_t *obj, struct ge_position *out)
{
    json_int_t line = -1;
    json_int_t character = -1;
    json_error_t err;
    if (json_unpack_ex(obj, &err, 0, "{s:I, s:I}", "line", &line, "character", &character) != 0)
        return -EINVAL;
    if (line < 0 || line > UINT32_MAX || character < 0 || character > UINT32_MAX)
        return -EINVAL;
    *out = (struct ge_position){.line = (uint32_t)line, .character = (uint32_t)character};
    return 0;
}

int ge_lsp_range_unpack(json_t *obj, struct ge_range *out)
{
    json_t *start = NULL;
    json_t *end = NULL;
    json_error_t err;
    if (json_unpack_ex(obj, &err, 0, "{s:o, s:o}", "start", &start, "end", &end) != 0)
        return -EINVAL;
    struct ge_range range;
    if (ge_lsp_position_unpack(start, &range.start) != 0 ||
        ge_lsp_position_unpack(end, &range.end) != 0)
        return -EINVAL;
    *out = range;
    return 0;
}

/* Building from our own structs cannot fail except on out-of-memory, which aborts as the
 * ge_x* allocators do. */
static json_t *checked(json_t *v)
{
    if (v == NULL) {
        fprintf(stderr, "goescape: cannot build an LSP value\n");
        abort();
    }
    return v;
}

json_t *ge_lsp_position_pack(struct ge_position pos)
{
    return checked(json_pack("{s:I, s:I}", "line", (json_int_t)pos.line, "character",
                             (json_int_t)pos.character));
}

json_t *ge_lsp_range_pack(const struct ge_range *range)
{
    return checked(json_pack("{s:o, s:o}", "start", ge_lsp_position_pack(range->start), "end",
                             ge_lsp_position_pack(range->end)));
}

json_t *ge_lsp_location_pack(const char *uri, const struct ge_range *range)
{
    return checked(json_pack("{s:s, s:o}", "uri", uri, "range", ge_lsp_range_pack(range)));
}
