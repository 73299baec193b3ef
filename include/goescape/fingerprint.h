/*
 * Stable fingerprints of findings, for baselines and SARIF partialFingerprints. A fingerprint
 * depends on what a finding is, not where it is: its package, function, category, subject and
 * cause, never its file, line or column. Moving code, adding lines above it or reformatting
 * keeps it. Findings with the same five fields in one package are told apart by their order:
 * an ordinal among equal keys in source order (the order of a finding set).
 *
 * The hash is FNV-1a, 64 bits: a published, byte-oriented definition that any tool can
 * recompute from the fields, with no seed and no dependence on the host's endianness. It is
 * not cryptographic, and need not be: a collision can only merge two findings of one
 * baseline, with odds near n^2 / 2^65 for n findings. Pure functions: no I/O, no globals.
 */
#ifndef GOESCAPE_FINGERPRINT_H
#define GOESCAPE_FINGERPRINT_H

#include "goescape/finding.h"

#include <stdint.h>

/* Hex digits of a fingerprint, and the size of the buffer that holds it with its NUL. */
#define GE_FINGERPRINT_HEX  16u
#define GE_FINGERPRINT_SIZE (GE_FINGERPRINT_HEX + 1u)

/* The key of a fingerprint. Borrowed strings; NULL reads as "". */
struct ge_fingerprint_key {
    const char *package;  /* import path */
    const char *function; /* enclosing function, or NULL */
    const char *category; /* ge_category_name */
    const char *subject;
    const char *cause;
    uint32_t ordinal; /* 0 for the first finding with this key in the package */
};

/* FNV-1a 64 of the key: each field's bytes followed by a NUL (fields hold no NUL), after a
 * version tag, then the ordinal as four little-endian bytes. In the subject and cause, which
 * quote source text, white space is left out except for one space between two word
 * characters (letters, digits, '_', bytes of multi-byte characters), so that reformatting
 * keeps the fingerprint. Written to out as 16 lowercase
 * hex digits and a NUL. */
void ge_fingerprint(const struct ge_fingerprint_key *key, char out[GE_FINGERPRINT_SIZE]);

/* The fingerprints of items[0..n), all of the package pkg (borrowed) and in source order:
 * out[i] (caller-owned, n entries) gets the fingerprint of items[i], whose ordinal counts the
 * earlier items with the same function, category, subject and cause. Every item counts,
 * whether it is shown or not, so hiding one with a goescape:ignore comment leaves the others'
 * fingerprints alone. */
void ge_fingerprint_set(const char *pkg, const struct ge_finding *items, size_t n,
                        char (*out)[GE_FINGERPRINT_SIZE]);

#endif
