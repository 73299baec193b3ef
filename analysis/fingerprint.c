/*
 * Fingerprints of findings (goescape/fingerprint.h): FNV-1a 64 over the finding's key.
 */
#include "goescape/fingerprint.h"

#include "goescape/common.h"

#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull
/* Changes every fingerprint if the key ever changes shape, so old baselines match nothing
 * rather than the wrong findings. */
#define FINGERPRINT_TAG "goescape-fp-1"

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* The field's bytes and a NUL, which ends it: "ab","c" and "a","bc" hash apart. */
static uint64_t fnv_field(uint64_t h, const char *s)
{
    if (s == NULL)
        s = "";
    return fnv_bytes(h, s, strlen(s) + 1);
}

static bool word_byte(unsigned char b)
{
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_' ||
           b >= 0x80;
}

static bool space_byte(unsigned char b)
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
}

/* A field of source text (a subject is often the expression as written) with its layout left
 * out, so that gofmt or a hand reformat keeps the fingerprint: a run of white space counts as
 * one space between two word characters ("x y" stays two words) and as nothing elsewhere
 * ("append(out,&v)" and "append(out, &v)" are one key). */
static uint64_t fnv_source(uint64_t h, const char *s)
{
    if (s == NULL)
        s = "";
    unsigned char prev = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (!space_byte(*p)) {
            h = fnv_bytes(h, p, 1);
            prev = *p++;
            continue;
        }
        while (space_byte(*p))
            p++;
        if (prev != 0 && word_byte(prev) && word_byte(*p))
            h = fnv_bytes(h, " ", 1);
    }
    return fnv_bytes(h, "", 1);
}

void ge_fingerprint(const struct ge_fingerprint_key *key, char out[GE_FINGERPRINT_SIZE])
{
    uint64_t h = fnv_field(FNV_OFFSET, FINGERPRINT_TAG);
    h = fnv_field(h, key->package);
    h = fnv_field(h, key->function);
    h = fnv_field(h, key->category);
    h = fnv_source(h, key->subject);
    h = fnv_source(h, key->cause);
    unsigned char ord[4] = {(unsigned char)key->ordinal, (unsigned char)(key->ordinal >> 8),
                            (unsigned char)(key->ordinal >> 16),
                            (unsigned char)(key->ordinal >> 24)};
    h = fnv_bytes(h, ord, sizeof ord);
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < GE_FINGERPRINT_HEX; i++)
        out[i] = digits[(h >> (60 - 4 * i)) & 0xf];
    out[GE_FINGERPRINT_HEX] = '\0';
}

struct ranked {
    const struct ge_finding *f;
    size_t index;
};

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Equal keys next to each other, in source order among themselves. */
static int cmp_ranked(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    int d = cmp_str(a->f->func, b->f->func);
    if (d == 0)
        d = (int)a->f->category - (int)b->f->category;
    if (d == 0)
        d = cmp_str(a->f->subject, b->f->subject);
    if (d == 0)
        d = cmp_str(a->f->cause, b->f->cause);
    if (d == 0)
        d = a->index < b->index ? -1 : a->index > b->index;
    return d;
}

static bool same_key(const struct ranked *a, const struct ranked *b)
{
    return cmp_str(a->f->func, b->f->func) == 0 && a->f->category == b->f->category &&
           cmp_str(a->f->subject, b->f->subject) == 0 && cmp_str(a->f->cause, b->f->cause) == 0;
}

void ge_fingerprint_set(const char *pkg, const struct ge_finding *items, size_t n,
                        char (*out)[GE_FINGERPRINT_SIZE])
{
    if (n == 0)
        return;
    /* Sorting keeps this n log n: a package like go/types has thousands of findings. */
    struct ranked *r = ge_xmalloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++)
        r[i] = (struct ranked){&items[i], i};
    qsort(r, n, sizeof *r, cmp_ranked);
    uint32_t ordinal = 0;
    for (size_t i = 0; i < n; i++) {
        ordinal = i > 0 && same_key(&r[i - 1], &r[i]) ? ordinal + 1 : 0;
        const struct ge_finding *f = r[i].f;
        struct ge_fingerprint_key key = {.package = pkg,
                                         .function = f->func,
                                         .category = ge_category_name(f->category),
                                         .subject = f->subject,
                                         .cause = f->cause,
                                         .ordinal = ordinal};
        ge_fingerprint(&key, out[r[i].index]);
    }
    free(r);
}
