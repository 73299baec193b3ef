/*
 * The merges of companion mode: gopls's answer and goescape's combined into one. Pure: they
 * read both (borrowed) and return a new value.
 */
#include "companion/companion.h"

#include "goescape/common.h"
#include "goescape/splice.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static json_t *hover_text(json_t *contents)
{
    if (json_is_string(contents))
        return json_incref(contents);
    if (json_is_object(contents) && json_is_string(json_object_get(contents, "value")))
        return json_incref(json_object_get(contents, "value"));
    return NULL;
}

json_t *ge_companion_merge_hover(json_t *theirs, json_t *ours)
{
    if (!json_is_object(ours))
        return json_incref(theirs ? theirs : json_null());
    if (!json_is_object(theirs))
        return json_incref(ours);
    json_t *a = hover_text(json_object_get(theirs, "contents"));
    json_t *b = hover_text(json_object_get(ours, "contents"));
    if (a == NULL || b == NULL) {
        json_decref(a);
        json_decref(b);
        return json_incref(theirs);
    }
    /* A client that takes only plain text gets both parts as plain text. */
    const char *ka =
        json_string_value(json_object_get(json_object_get(theirs, "contents"), "kind"));
    const char *kb = json_string_value(json_object_get(json_object_get(ours, "contents"), "kind"));
    bool plain =
        ka != NULL && kb != NULL && strcmp(ka, "plaintext") == 0 && strcmp(kb, "plaintext") == 0;
    json_t *out = json_copy(theirs); /* only "contents" changes: the rest is shared */
    /* By length: either text may hold a NUL byte (sent as \u0000), as the splice keeps it. */
    static const char rule[] = GE_SPLICE_RULE; /* the splice's rule, so both give one text */
    size_t na = json_string_length(a), nr = sizeof rule - 1, nb = json_string_length(b);
    char *joined = ge_xmalloc(na + nr + nb);
    memcpy(joined, json_string_value(a), na);
    memcpy(joined + na, rule, nr);
    memcpy(joined + na + nr, json_string_value(b), nb);
    json_t *text = json_stringn(joined, na + nr + nb);
    free(joined);
    json_object_set_new(
        out, "contents",
        json_pack("{s:s, s:o}", "kind", plain ? "plaintext" : "markdown", "value", text));
    json_decref(a);
    json_decref(b);
    return out;
}

json_t *ge_companion_merge_lists(json_t *theirs, json_t *ours)
{
    if (!json_is_array(ours))
        return json_incref(theirs ? theirs : json_null());
    if (!json_is_array(theirs))
        return json_incref(ours);
    json_t *out = json_copy(theirs);
    json_array_extend(out, ours);
    return out;
}

/* The union of two capability objects: gopls's, with what only goescape has added; both
 * command lists. */
json_t *ge_companion_merge_caps(json_t *theirs, json_t *ours)
{
    json_t *out = json_is_object(theirs) ? json_deep_copy(theirs) : json_object();
    const char *key;
    json_t *v;
    json_object_foreach(ours, key, v)
    {
        json_t *have = json_object_get(out, key);
        if (have == NULL || json_is_false(have))
            json_object_set(out, key, v);
    }
    json_t *mine = json_object_get(json_object_get(ours, "executeCommandProvider"), "commands");
    json_t *exec = json_object_get(out, "executeCommandProvider");
    json_t *cmds = json_object_get(exec, "commands");
    if (json_is_array(cmds) && json_is_array(mine) &&
        exec != json_object_get(ours, "executeCommandProvider")) {
        size_t i;
        json_array_foreach(mine, i, v) json_array_append(cmds, v);
    }
    return out;
}
