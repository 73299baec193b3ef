/*
 * Unit tests of protocol/uri.c: decoding what clients send, encoding exactly as VS Code does,
 * and the round trip between the two over every byte value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "goescape/uri.h"

static void expect_path(const char *uri, const char *path)
{
    char *got = NULL;
    assert_int_equal(ge_uri_to_path(uri, &got), 0);
    assert_string_equal(got, path);
    free(got);
}

static void expect_error(const char *uri, int rc)
{
    char *got = (char *)"untouched";
    assert_int_equal(ge_uri_to_path(uri, &got), rc);
    assert_string_equal(got, "untouched");
}

static void expect_uri(const char *path, const char *uri)
{
    char *got = ge_uri_from_path(path);
    assert_string_equal(got, uri);
    free(got);
}

static void test_to_path(void **state)
{
    expect_path("file:///home/u/m/main.go", "/home/u/m/main.go");
    expect_path("file:///a%20b/c.go", "/a b/c.go");
    expect_path("file:///a b/c.go", "/a b/c.go");
    expect_path("file://localhost/x/y.go", "/x/y.go");
    expect_path("FILE://LocalHost/x", "/x");
    expect_path("file:/x/y", "/x/y");
    expect_path("file:///", "/");
    /* Non-ASCII, escaped as VS Code does and raw. */
    expect_path("file:///tmp/%E4%B8%AD%E6%96%87/%F0%9F%98%80.go", "/tmp/\xe4\xb8\xad\xe6\x96\x87/"
                                                                  "\xf0\x9f\x98\x80.go");
    expect_path("file:///tmp/\xe4\xb8\xad.go", "/tmp/\xe4\xb8\xad.go");
    expect_path("file:///c%3A/Users/x", "/c:/Users/x");
    expect_path("file:///p%25q%23r%3Fs", "/p%q#r?s");
    expect_path("file:///a%2fb", "/a/b");
    /* A query or fragment is not part of the path. */
    expect_path("file:///a/b.go?x=1", "/a/b.go");
    expect_path("file:///a/b.go#L3", "/a/b.go");
}

static void test_to_path_rejects(void **state)
{
    expect_error(NULL, -EINVAL);
    expect_error("", -EINVAL);
    expect_error("/abs/path", -EINVAL);
    expect_error("untitled:Untitled-1", -EINVAL);
    expect_error("https://example.com/x.go", -EINVAL);
    expect_error("gopls://x", -EINVAL);
    expect_error("fil:///x", -EINVAL);
    expect_error("file:relative/x.go", -EINVAL);
    expect_error("file://server/share/x.go", -EINVAL);
    expect_error("file://localhost", -EINVAL);
    expect_error("file://", -EINVAL);
    expect_error("file:", -EINVAL);
    expect_error("file:///a%2", -EILSEQ);
    expect_error("file:///a%", -EILSEQ);
    expect_error("file:///a%zz", -EILSEQ);
    expect_error("file:///a%g0", -EILSEQ);
    expect_error("file:///a%00b", -EILSEQ);
}

static void test_from_path(void **state)
{
    expect_uri("/home/u/m/main.go", "file:///home/u/m/main.go");
    expect_uri("/a b/c.go", "file:///a%20b/c.go");
    expect_uri("/tmp/\xe4\xb8\xad/\xf0\x9f\x98\x80.go", "file:///tmp/%E4%B8%AD/%F0%9F%98%80.go");
    expect_uri("/x/A-Z_a.z~0-9", "file:///x/A-Z_a.z~0-9");
    /* VS Code escapes reserved and sub-delimiter characters in paths, ':' included. */
    expect_uri("/p:q@r!$&'()*+,;=", "file:///p%3Aq%40r%21%24%26%27%28%29%2A%2B%2C%3B%3D");
    expect_uri("/p%q#r?s[t]", "file:///p%25q%23r%3Fs%5Bt%5D");
    expect_uri("/back\\slash", "file:///back%5Cslash");
    expect_uri("/\xff", "file:///%FF");
    expect_uri("/", "file:///");
    expect_uri("rel/x", "file:///rel/x");
}

/* Every byte but NUL survives the trip through a URI. */
static void test_round_trip(void **state)
{
    char path[300];
    size_t n = 0;
    path[n++] = '/';
    for (int c = 1; c < 256; c++)
        path[n++] = (char)c;
    path[n] = '\0';
    char *uri = ge_uri_from_path(path);
    char *back = NULL;
    assert_int_equal(ge_uri_to_path(uri, &back), 0);
    assert_string_equal(back, path);
    free(back);
    free(uri);

    static const char *paths[] = {"/a b/c d.go", "/tmp/\xe4\xb8\xad\xe6\x96\x87.go", "/x/%41",
                                  "/emoji/\xf0\x9f\x98\x80", "/q?#"};
    for (size_t i = 0; i < GE_ARRAY_SIZE(paths); i++) {
        uri = ge_uri_from_path(paths[i]);
        assert_int_equal(ge_uri_to_path(uri, &back), 0);
        assert_string_equal(back, paths[i]);
        free(back);
        free(uri);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_to_path),
        cmocka_unit_test(test_to_path_rejects),
        cmocka_unit_test(test_from_path),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
