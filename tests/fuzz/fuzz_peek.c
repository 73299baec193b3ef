/*
 * libFuzzer target for server/companion/companion_peek.c, the look at a message's top level
 * that companion mode relays gopls's answers by. Checked against jansson: whenever jansson
 * decodes the input as an object and the peek accepts it too, both must find the same id
 * (integer or string), the same method name and the same result and error keys; and an object
 * jansson decodes without any backslash in it must be accepted.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "companion/companion.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_peek: invariant failed: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct ge_companion_peek pk;
    int rc = ge_companion_peek(body, size, &pk);
    check(rc == 0 || (pk.id == NULL && !pk.has_method), "a refusal leaves out empty");
    json_t *root = json_loadb(body, size, 0, NULL);
    if (json_is_object(root)) {
        if (memchr(body, '\\', size) == NULL)
            check(rc == 0, "an object jansson reads is accepted");
        if (rc == 0) {
            json_t *id = json_object_get(root, "id");
            bool want = json_is_integer(id) || json_is_string(id);
            check(want ? pk.id != NULL && json_equal(pk.id, id) : pk.id == NULL, "same id");
            json_t *method = json_object_get(root, "method");
            check(pk.has_method == (method != NULL), "same method key");
            if (pk.method != NULL)
                check(json_is_string(method) &&
                          strlen(json_string_value(method)) == pk.method_len &&
                          memcmp(json_string_value(method), pk.method, pk.method_len) == 0,
                      "same method name");
            check(pk.has_result == (json_object_get(root, "result") != NULL), "same result key");
            check(pk.has_error == (json_object_get(root, "error") != NULL), "same error key");
        }
    }
    json_decref(root);
    json_decref(pk.id);
    return 0;
}
