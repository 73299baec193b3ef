/*
 * Conversions between LSP JSON shapes and goescape's structs, with validation of what the
 * client sent. Pure jansson; no libuv.
 */
#ifndef GOESCAPE_LSP_H
#define GOESCAPE_LSP_H

#include <jansson.h>
#include "goescape/text.h"

/* Reads {"line":N,"character":N} / {"start":..,"end":..} from a borrowed object (NULL is
 * -EINVAL). Returns 0 or -EINVAL when a field is missing, negative, past UINT32_MAX or not an
 * integer; out is untouched on error. Extra members are ignored. */
int ge_lsp_position_unpack(json_t *obj, struct ge_position *out);
int ge_lsp_range_unpack(json_t *obj, struct ge_range *out);

/* Builds new JSON objects (new references, never NULL; range is borrowed). */
json_t *ge_lsp_position_pack(struct ge_position pos);
json_t *ge_lsp_range_pack(const struct ge_range *range);
/* {"uri": uri, "range": range}; uri is borrowed and must be valid UTF-8 (ge_uri_from_path
 * output always is). */
json_t *ge_lsp_location_pack(const char *uri, const struct ge_range *range);

#endif
