/*
 * file: URIs. Clients name documents by URI while the go tool and the compiler name them by
 * path, so both directions must agree byte for byte: a path encoded here has to equal the URI
 * the editor sent for the same file, or diagnostics land on a document nobody has open. The
 * encoder therefore copies VS Code's escaping (the de facto reference for LSP clients): keep
 * RFC 3986 unreserved characters and '/', and escape every other byte as uppercase %XX.
 */
#include "goescape/uri.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FILE_SCHEME "file:"
#define LOCALHOST   "localhost"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a new string. Returns -EILSEQ for a truncated or non-hex
 * escape, and for an escaped NUL, which no path can contain. */
static int percent_decode(const char *s, size_t n, char **out_new)
{
    char *path = ge_xmalloc(n + 1);
    size_t o = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            path[o++] = s[i];
            continue;
        }
        int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0)) {
            rc = -EILSEQ;
            goto out;
        }
        path[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    path[o] = '\0';
    *out_new = path;
    path = NULL;
out:
    free(path);
    return rc;
}

int ge_uri_to_path(const char *uri, char **path_new)
{
    if (uri == NULL || strncasecmp(uri, FILE_SCHEME, strlen(FILE_SCHEME)) != 0)
        return -EINVAL;
    const char *p = uri + strlen(FILE_SCHEME);
    if (p[0] == '/' && p[1] == '/') {
        /* An authority: only an empty one or localhost names this machine. */
        p += 2;
        size_t auth = strcspn(p, "/?#");
        bool local =
            auth == 0 || (auth == strlen(LOCALHOST) && strncasecmp(p, LOCALHOST, auth) == 0);
        if (!local)
            return -EINVAL;
        p += auth;
    }
    if (p[0] != '/')
        return -EINVAL;
    /* A query or fragment is not part of the path; clients escape '?' and '#' in names. */
    return percent_decode(p, strcspn(p, "?#"), path_new);
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

char *ge_uri_from_path(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    /* "file://", a possible leading '/', three bytes per input byte and the terminator. */
    char *uri = ge_xmalloc(strlen("file://") + 1 + n * 3 + 1);
    size_t o = 0;
    memcpy(uri, "file://", strlen("file://"));
    o += strlen("file://");
    if (path[0] != '/')
        uri[o++] = '/';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (is_unreserved(c) || c == '/') {
            uri[o++] = (char)c;
            continue;
        }
        uri[o++] = '%';
        uri[o++] = hex[c >> 4];
        uri[o++] = hex[c & 0xf];
    }
    uri[o] = '\0';
    return uri;
}
