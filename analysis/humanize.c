/*
 * Readable text for the compiler's internal names: "~r0" becomes "result 0", "~R0" "inlined
 * result 0", "{storage for X}" "the storage of X", "{heap}" "the heap", ".autotmp_3" "a
 * temporary", "PKG..stmp_3" "a package-level variable", "PKG..dict" "the type dictionary",
 * and "go.shape." goes. The explainer uses these words where the source cannot stand in.
 */
#include "explain_internal.h"
#include "goescape/buf.h"

#include <ctype.h>
#include <string.h>

/* Cap on any one generated string; compiler subjects are short, this only bounds garbage. */
#define TEXT_MAX (64u * 1024u)

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool ident_byte(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (unsigned char)c >= 0x80;
}

/* Appends the readable form of s[0..n) to b. */
void ge__humanize_into(struct ge_buf *b, const char *s, size_t n);

/* Index just past the '}' that closes the '{' at s[0], or 0 when unbalanced. */
size_t ge__brace_end(const char *s)
{
    int depth = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '{')
            depth++;
        else if (s[i] == '}' && --depth == 0)
            return i + 1;
    }
    return 0;
}

/* Length of the shape type that follows "go.shape." at s: up to a ',' ')' ']' or space
 * outside brackets ("struct { X int }" keeps its braces). */
static size_t shape_extent(const char *s, size_t n)
{
    int depth = 0;
    size_t i = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth-- == 0)
                break;
        } else if (depth == 0 && (c == ',' || (c == ' ' && (i + 1 >= n || s[i + 1] != '{')))) {
            break;
        }
    }
    return i;
}

/* Drops "go.shape." and, for Go before 1.20, the "_0" suffix of the shape type. */
static size_t humanize_shape(struct ge_buf *b, const char *s, size_t n)
{
    size_t ext = shape_extent(s + 9, n - 9);
    size_t k = ext;
    while (k > 0 && s[9 + k - 1] >= '0' && s[9 + k - 1] <= '9')
        k--;
    if (k == ext || k == 0 || s[9 + k - 1] != '_')
        return 9;
    ge__humanize_into(b, s + 9, k - 1);
    return 9 + ext;
}

/* Handles a compiler name at s, if there is one; returns the bytes it consumed. */
static size_t humanize_name(struct ge_buf *b, const char *s, size_t n, bool at_word)
{
    size_t k = 0;
    if (s[0] != '{' && s[0] != 'g' && s[0] != '.' && s[0] != '~')
        return 0;
    if (n > 9 && has_prefix(s, "go.shape."))
        return humanize_shape(b, s, n);
    if (has_prefix(s, "{storage for ")) {
        k = ge__brace_end(s);
        /* A shortened string constant may hold unbalanced braces: a location that is all of
         * s ends at its last '}'. */
        if ((k == 0 || k > n) && n > 14 && s[n - 1] == '}')
            k = n;
    }
    if (k > 0 && k <= n) {
        ge_buf_appends(b, "the storage of ");
        ge__humanize_into(b, s + 13, k - 14);
        return k;
    }
    static const struct {
        const char *name;
        const char *text;
    } fixed[] = {{"{heap}", "the heap"},
                 {"{temp}", "a temporary"},
                 {"go.shape.", ""},
                 {".this", "the receiver"},
                 {".autotmp_", "a temporary"}};
    for (size_t i = 0; i < GE_ARRAY_SIZE(fixed); i++) {
        size_t len = strlen(fixed[i].name);
        if (len <= n && has_prefix(s, fixed[i].name) && (fixed[i].name[0] != '.' || at_word)) {
            ge_buf_appends(b, fixed[i].text);
            while (fixed[i].name[len - 1] == '_' && len < n && s[len] >= '0' && s[len] <= '9')
                len++;
            return len;
        }
    }
    if (at_word && n >= 3 && s[0] == '~' && (s[1] == 'r' || s[1] == 'R' || s[1] == 'p') &&
        s[2] >= '0' && s[2] <= '9') {
        k = 2;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        const char *what = s[1] == 'r' ? "result " : s[1] == 'R' ? "inlined result " : "param ";
        ge_buf_printf(b, "%s%.*s", what, (int)(k - 2), s + 2);
        return k;
    }
    return 0;
}

/* Length of a static temporary at s, "PKG..stmp_N" or "PKG..stmp_N@OFF": the data the
 * compiler lays out for a package-level variable's composite literal. 0 when there is none. */
static size_t stmp_name(const char *s, size_t n)
{
    size_t j = 0;
    while (j < n && (ident_byte(s[j]) || s[j] == '/' || s[j] == '-' || s[j] == '.') &&
           !(j + 7 <= n && memcmp(s + j, "..stmp_", 7) == 0))
        j++;
    if (j == 0 || j + 7 >= n || memcmp(s + j, "..stmp_", 7) != 0 ||
        !isdigit((unsigned char)s[j + 7]))
        return 0;
    j += 7;
    while (j < n && isdigit((unsigned char)s[j]))
        j++;
    if (j + 1 < n && s[j] == '@' && isdigit((unsigned char)s[j + 1]))
        for (j++; j < n && isdigit((unsigned char)s[j]);)
            j++;
    return j;
}

/* Length of a static temporary at s, bare or viewed as a type ("(T)(PKG..stmp_N@OFF)"). */
static size_t static_data(const char *s, size_t n)
{
    if (s[0] != '(')
        return stmp_name(s, n);
    int depth = 0;
    size_t k = 0;
    for (; k < n; k++) {
        depth += s[k] == '(' || s[k] == '[' || s[k] == '{';
        depth -= s[k] == ')' || s[k] == ']' || s[k] == '}';
        if (depth == 0)
            break;
    }
    if (k + 2 >= n || s[k + 1] != '(')
        return 0;
    size_t m = stmp_name(s + k + 2, n - k - 2);
    return m > 0 && k + 2 + m < n && s[k + 2 + m] == ')' ? k + 3 + m : 0;
}

/* Length of a generic function's dictionary at s, "PKG..dict" (a hidden parameter of
 * generic code), or 0. */
static size_t dict_name(const char *s, size_t n)
{
    size_t j = 0;
    while (j < n && (ident_byte(s[j]) || s[j] == '/' || s[j] == '-' || s[j] == '.') &&
           !(j + 6 <= n && memcmp(s + j, "..dict", 6) == 0))
        j++;
    if (j + 6 > n || memcmp(s + j, "..dict", 6) != 0 || (j + 6 < n && ident_byte(s[j + 6])))
        return 0;
    return j + 6;
}

void ge__humanize_into(struct ge_buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        bool at_word = i == 0 || !ident_byte(s[i - 1]);
        size_t k = at_word ? static_data(s + i, n - i) : 0;
        if (k > 0) {
            ge_buf_appends(b, "a package-level variable");
            i += k;
            continue;
        }
        k = humanize_name(b, s + i, n - i, at_word);
        if (k > 0) {
            i += k;
            continue;
        }
        k = at_word ? dict_name(s + i, n - i) : 0;
        if (k > 0) {
            ge_buf_appends(b, "the type dictionary");
            i += k;
            continue;
        }
        ge_buf_append(b, s + i, 1);
        i++;
    }
}

char *ge__humanize_n(const char *s, size_t n)
{
    struct ge_buf b;
    ge_buf_init(&b, TEXT_MAX);
    ge__humanize_into(&b, s, n);
    char *out = ge_buf_steal(&b, NULL);
    return out != NULL ? out : ge_xstrdup("");
}

char *ge__humanize(const char *s)
{
    return ge__humanize_n(s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

bool ge__has_compiler_name(const char *s)
{
    for (size_t i = 0; s != NULL && s[i] != '\0'; i++) {
        bool at_word = i == 0 || !ident_byte(s[i - 1]);
        if (at_word && s[i] == '~' && s[i + 1] != '\0' && strchr("rRp", s[i + 1]) != NULL &&
            s[i + 2] >= '0' && s[i + 2] <= '9')
            return true;
        if (at_word && has_prefix(s + i, ".autotmp_"))
            return true;
    }
    return false;
}
