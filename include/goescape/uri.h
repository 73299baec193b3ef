/*
 * file: URIs and local paths. Only file: URIs name something the server can analyze.
 */
#ifndef GOESCAPE_URI_H
#define GOESCAPE_URI_H

#include "goescape/common.h"

/* Decodes a file: URI ("file:///a%20b/c.go", "file://localhost/x", "file:/x"; uri borrowed)
 * into an absolute path. The scheme and "localhost" are case-insensitive; a query or fragment
 * is ignored. Returns 0 and a new string in *path_new, -EINVAL for a non-file scheme, a remote
 * host or a relative path, -EILSEQ for a bad percent-escape or an escaped NUL. */
int ge_uri_to_path(const char *uri, char **path_new);

/* Encodes a path (borrowed; a relative one gets a leading '/') as a file: URI, escaping as
 * VS Code does: every byte but A-Z a-z 0-9 - . _ ~ and '/' becomes uppercase %XX. Returns a
 * new string; ge_uri_to_path gives the path back byte for byte. */
char *ge_uri_from_path(const char *path);

#endif
