/*
 * The hash every table in analysis/ uses: not cryptographic, just fast (eight bytes a step)
 * and well spread. Private to analysis/.
 */
#ifndef GE_ANALYSIS_HASH_H
#define GE_ANALYSIS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define GE_HASH_SEED 0x9e3779b9u

/* Mixes n bytes at p into the hash h. */
uint32_t ge__hash_bytes(uint32_t h, const void *p, size_t n);
/* Mixes one number into the hash h. */
uint32_t ge__hash_u32(uint32_t h, uint32_t v);

#endif
