/*
 * file: URIs and local paths. Only file: URIs name something the server can analyze.
 */
#ifndef GOESCAPE_URI_H
#define GOESCAPE_URI_H

#include "goescape/common.h"

/* Decodes a file: URI ("file:///a%20b/c.go", "file://localhost/x") into an absolute path.
 * Returns 0 and a new string in *path_new, -EINVAL for a non-file scheme or a relative path,
 * -EILSEQ for a bad percent-escape or an embedded NUL. */
int ge_uri_to_path(const char *uri, char **path_new);

/* Encodes an absolute path as a file: URI, escaping as VS Code does. Returns a new string. */
char *ge_uri_from_path(const char *path);

#endif
