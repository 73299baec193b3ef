/*
 * The hash behind the parser's tables and the finding pools (see hash.h).
 */
#include "hash.h"

#include <string.h>

static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9fb21c651e98df25ull;
    return h ^ (h >> 29);
}

uint32_t ge__hash_bytes(uint32_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t x = h ^ ((uint64_t)n << 32);
    for (; n >= 8; n -= 8, s += 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        x = mix(x, v);
    }
    uint64_t tail = 0;
    if (n > 0)
        memcpy(&tail, s, n);
    x = mix(x, tail);
    return (uint32_t)(x ^ (x >> 32));
}

uint32_t ge__hash_u32(uint32_t h, uint32_t v)
{
    uint64_t x = mix(h, v);
    return (uint32_t)(x ^ (x >> 32));
}
