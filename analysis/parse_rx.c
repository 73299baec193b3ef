/*
 * The regular expressions for the compiler's message forms. Each is compiled once per parser
 * with PCRE2_UTF | PCRE2_MATCH_INVALID_UTF (the compiler output may carry any bytes, e.g. a
 * broken file name), JIT-compiled when the library supports it, and matched with the parser's
 * single match_data. Named groups are resolved to numbers here, once.
 */
#include "parse_internal.h"

#include <errno.h>
#include <string.h>

/* A brace group with nesting, such as "{storage for map[string]int{...}}". */
#define BRACES "(?<br>\\{(?:[^{}]++|(?&br))*+\\})"

static const char *const patterns[RX_COUNT] = {
    [RX_HEADER] = "^# (?<pkg>\\S+)(?: \\[(?<test>[^\\]]+)\\])?$",
    /* Greedy subjects: the last " escapes to heap" wins, so a string constant that contains
     * the phrase stays whole. "in FUNC" comes only with the colon of a Go 1.26 block. */
    [RX_ESCAPE] = "^(?<subj>.+) escapes to heap$",
    [RX_ESCAPE_BLOCK] = "^(?<subj>.+) escapes to heap(?: in (?<func>.+))?:$",
    /* The same line from a " escapes to heap" on: see match_escape_block in parse.c. */
    [RX_ESCAPE_TAIL] = "\\G escapes to heap(?: in (?<func>.+))?:$",
    [RX_NOESCAPE] = "^(?<subj>.+) does not escape$",
    [RX_MOVED] = "^moved to heap: (?<name>.+)$",
    [RX_LEAK] = "^leaking param(?<content> content)?: (?<name>\\S+)"
                "(?: (?<result>to result \\S+ level=-?\\d+))?$",
    /* SINK may contain " for " inside braces, so braces are matched first; unbalanced ones
     * (see RX_FLOW) end at the '}' before " for FUNC" or " with". */
    [RX_PARAM] = "^parameter (?<name>\\S+) leaks to (?<sink>" BRACES
                 "|\\{.*?\\}(?=(?: for .+)? with derefs=-?\\d+:$)|\\S+)"
                 "(?: for (?<func>.+))? with derefs=-?\\d+:$",
    /* A brace in a string constant need not be balanced (the printer shortens long ones to
     * "..." without the closing quote): then the '}' right before the arrow closes DST. */
    [RX_FLOW] = "^  flow: (?<dst>" BRACES "|\\{.*?\\}(?= (?:=|\\x{2190}) )|\\S+)"
                " (?:=|\\x{2190}) (?<src>.+):$",
    /* WHAT may hold parentheses: the greedy WHAT leaves the last " (WHY) at POS". */
    [RX_FROM] = "^    from (?<what>.*) \\((?<why>[^()]*)\\) at (?<pos>.+)$",
    /* The same line from the '(' that opens WHY on: see match_from in parse.c. */
    [RX_FROM_TAIL] = "\\G\\((?<why>[^()]*)\\) at (?<pos>.+)$",
    [RX_INFO] = "^(?:.+ capturing by (?:ref|value): .+"
                "|.+ ignoring self-assignment in .+"
                "|function .+ considered 'big'; reducing max cost of inlinees"
                "|assuming .+ is unsafe uintptr"
                "|marking .+ as escaping (?:\\.\\.\\.)?uintptr"
                "|.+ does not escape, mutate, or call"
                "|(?:mutates|calls) param: \\S+ derefs=-?\\d+"
                "|(?:partially )?devirtualizing .+"
                "|failed to devirtualize .+"
                "|stack frame too large .*"
                ")$",
};

static const char *const group_names[G_COUNT] = {
    [G_PKG] = "pkg",   [G_TEST] = "test",       [G_SUBJ] = "subj",     [G_FUNC] = "func",
    [G_NAME] = "name", [G_CONTENT] = "content", [G_RESULT] = "result", [G_SINK] = "sink",
    [G_DST] = "dst",   [G_SRC] = "src",         [G_WHAT] = "what",     [G_WHY] = "why",
    [G_POS] = "pos",
};

int ge__rx_init(struct ge_parser *p)
{
    uint32_t jit_ok = 0;
    pcre2_config(PCRE2_CONFIG_JIT, &jit_ok);
    p->jit = jit_ok != 0;
    for (int i = 0; i < RX_COUNT; i++) {
        int err = 0;
        PCRE2_SIZE off = 0;
        p->rx[i] = pcre2_compile((PCRE2_SPTR)patterns[i], PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
        if (p->rx[i] == NULL)
            return -EINVAL;
        if (p->jit && pcre2_jit_compile(p->rx[i], PCRE2_JIT_COMPLETE) != 0)
            p->jit = false;
        for (int g = 0; g < G_COUNT; g++) {
            int num = pcre2_substring_number_from_name(p->rx[i], (PCRE2_SPTR)group_names[g]);
            p->group[i][g] = num > 0 ? (uint32_t)num : 0;
        }
    }
    /* One match_data sized for the pattern with the most groups serves them all. */
    p->md = pcre2_match_data_create(32, NULL);
    if (p->md == NULL)
        return -ENOMEM;
    p->ov = pcre2_get_ovector_pointer(p->md);
    p->ov_count = pcre2_get_ovector_count(p->md);
    return 0;
}

void ge__rx_free(struct ge_parser *p)
{
    for (int i = 0; i < RX_COUNT; i++) {
        pcre2_code_free(p->rx[i]);
        p->rx[i] = NULL;
    }
    pcre2_match_data_free(p->md);
    p->md = NULL;
}

bool ge__rx_match_at(struct ge_parser *p, enum rx_id id, const char *s, size_t n, size_t off)
{
    int rc;
    if (p->jit)
        rc = pcre2_jit_match(p->rx[id], (PCRE2_SPTR)s, n, off, 0, p->md, NULL);
    else
        rc = pcre2_match(p->rx[id], (PCRE2_SPTR)s, n, off, 0, p->md, NULL);
    return rc > 0;
}

bool ge__rx_match(struct ge_parser *p, enum rx_id id, const char *s, size_t n)
{
    return ge__rx_match_at(p, id, s, n, 0);
}

struct sv ge__rx_group(struct ge_parser *p, enum rx_id id, enum rx_group g, const char *s)
{
    uint32_t num = p->group[id][g];
    if (num == 0 || num >= p->ov_count || p->ov[2 * num] == PCRE2_UNSET)
        return (struct sv){NULL, 0};
    return (struct sv){s + p->ov[2 * num], p->ov[2 * num + 1] - p->ov[2 * num]};
}
