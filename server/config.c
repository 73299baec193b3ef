/*
 * Settings parsing. Each key has one small reader; a wrong type leaves the old value and is
 * named in the problems string so the user hears about it once.
 */
#include "config.h"

#include "goescape/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const severity_names[] = {NULL, "error", "warning", "information", "hint"};

static void free_list(char **list)
{
    if (list == NULL)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

void ge_config_init(struct ge_config *c)
{
    *c = (struct ge_config){
        .inlay_hints = true,
        .code_lens = true,
        .hover_remedies = true,
        .analyze_on = GE_ANALYZE_SAVE,
        .debounce_ms = 250,
        .go_binary = ge_xstrdup("go"),
        .build_flags = ge_xcalloc(1, sizeof(char *)),
        .env = ge_xcalloc(1, sizeof(char *)),
        .extra_gcflags = ge_xcalloc(1, sizeof(char *)),
        .include_tests = true,
        .diagnostics_scope = GE_SCOPE_OPEN,
        .timeout_ms = 120000,
        .compiler_nice = 10,
    };
    for (int i = 0; i < GE_CAT_COUNT; i++) {
        c->categories[i] = ge_category_is_heap((enum ge_category)i);
        c->severity[i] = 4;
    }
    c->severity[GE_CAT_MAP] = 3;
    c->severity[GE_CAT_CLOSURE] = 3;
    c->severity[GE_CAT_INTERFACE] = 3;
}

void ge_config_free(struct ge_config *c)
{
    free(c->go_binary);
    free_list(c->build_flags);
    free_list(c->env);
    free_list(c->extra_gcflags);
    *c = (struct ge_config){0};
}

static void problem(struct ge_buf *p, const char *key, const char *why)
{
    ge_buf_printf(p, "%s%s (%s)", p->len ? ", " : "", key, why);
}

static void read_bool(json_t *v, const char *key, bool *out, struct ge_buf *p)
{
    if (json_is_boolean(v))
        *out = json_is_true(v);
    else
        problem(p, key, "expected true or false");
}

static void read_uint(json_t *v, const char *key, uint64_t max, uint64_t *out, struct ge_buf *p)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0 && (uint64_t)json_integer_value(v) <= max)
        *out = (uint64_t)json_integer_value(v);
    else
        problem(p, key, "expected a non-negative integer");
}

/* Accepts an array of strings, or one string split on spaces. */
static void read_list(json_t *v, const char *key, char ***out, struct ge_buf *p)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    char **list = NULL;
    if (json_is_array(v)) {
        list = ge_xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);
            if (!json_is_string(e)) {
                free_list(list);
                problem(p, key, "expected an array of strings");
                return;
            }
            list[i] = ge_xstrdup(json_string_value(e));
        }
    } else if (json_is_string(v)) {
        char *copy = ge_xstrdup(json_string_value(v));
        list = ge_xcalloc(strlen(copy) / 2 + 2, sizeof(char *));
        size_t i = 0;
        for (char *save = NULL, *tok = strtok_r(copy, " \t", &save); tok;
             tok = strtok_r(NULL, " \t", &save))
            list[i++] = ge_xstrdup(tok);
        free(copy);
    } else {
        problem(p, key, "expected an array of strings");
        return;
    }
    free_list(*out);
    *out = list;
}

static void read_env(json_t *v, struct ge_config *c, struct ge_buf *p)
{
    if (!json_is_object(v)) {
        problem(p, "env", "expected an object of strings");
        return;
    }
    char **list = ge_xcalloc(json_object_size(v) + 1, sizeof(char *));
    size_t i = 0;
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e)
    {
        if (!json_is_string(e) || *k == '\0' || strchr(k, '=') != NULL) {
            problem(p, "env", "expected names without '=' and string values");
            continue;
        }
        list[i++] = ge_xasprintf("%s=%s", k, json_string_value(e));
    }
    free_list(c->env);
    c->env = list;
}

static void read_categories(json_t *v, struct ge_config *c, struct ge_buf *p)
{
    const char *k;
    json_t *e;
    if (!json_is_object(v)) {
        problem(p, "categories", "expected an object of booleans");
        return;
    }
    json_object_foreach(v, k, e)
    {
        enum ge_category cat;
        if (ge_category_parse(k, &cat) != 0 || !json_is_boolean(e))
            problem(p, "categories", k);
        else
            c->categories[cat] = json_is_true(e);
    }
}

static void read_severity(json_t *v, struct ge_config *c, struct ge_buf *p)
{
    const char *k;
    json_t *e;
    if (!json_is_object(v)) {
        problem(p, "severity", "expected an object of strings");
        return;
    }
    json_object_foreach(v, k, e)
    {
        enum ge_category cat;
        int sev = 0;
        for (int i = 1; i <= 4 && json_is_string(e); i++)
            if (strcmp(json_string_value(e), severity_names[i]) == 0)
                sev = i;
        if (ge_category_parse(k, &cat) != 0 || sev == 0)
            problem(p, "severity", k);
        else
            c->severity[cat] = sev;
    }
}

static void read_analyze_on(json_t *v, struct ge_config *c, struct ge_buf *p)
{
    const char *s = json_string_value(v);
    if (s != NULL && strcmp(s, "save") == 0)
        c->analyze_on = GE_ANALYZE_SAVE;
    else if (s != NULL && strcmp(s, "open") == 0)
        c->analyze_on = GE_ANALYZE_OPEN;
    else if (s != NULL && strcmp(s, "type") == 0)
        c->analyze_on = GE_ANALYZE_TYPE;
    else
        problem(p, "analyzeOn", "expected \"save\", \"open\" or \"type\"");
}

static void read_scope(json_t *v, struct ge_config *c, struct ge_buf *p)
{
    const char *s = json_string_value(v);
    if (s != NULL && strcmp(s, "open") == 0)
        c->diagnostics_scope = GE_SCOPE_OPEN;
    else if (s != NULL && strcmp(s, "package") == 0)
        c->diagnostics_scope = GE_SCOPE_PACKAGE;
    else
        problem(p, "diagnosticsScope", "expected \"open\" or \"package\"");
}

static void read_go_binary(json_t *v, struct ge_config *c, struct ge_buf *p)
{
    if (!json_is_string(v) || json_string_length(v) == 0) {
        problem(p, "goBinary", "expected a command name or path");
        return;
    }
    free(c->go_binary);
    c->go_binary = ge_xstrdup(json_string_value(v));
}

int ge_config_apply(struct ge_config *c, json_t *obj, char **problems_new)
{
    struct ge_buf p;
    ge_buf_init(&p, 4096);
    *problems_new = NULL;
    json_t *nested = json_object_get(obj, "goescape");
    if (json_is_object(nested))
        obj = nested;
    if (!json_is_object(obj))
        return 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (strcmp(k, "categories") == 0)
            read_categories(v, c, &p);
        else if (strcmp(k, "severity") == 0)
            read_severity(v, c, &p);
        else if (strcmp(k, "inlayHints") == 0)
            read_bool(v, k, &c->inlay_hints, &p);
        else if (strcmp(k, "codeLens") == 0)
            read_bool(v, k, &c->code_lens, &p);
        else if (strcmp(k, "hoverRemedies") == 0)
            read_bool(v, k, &c->hover_remedies, &p);
        else if (strcmp(k, "analyzeOn") == 0)
            read_analyze_on(v, c, &p);
        else if (strcmp(k, "debounceMs") == 0)
            read_uint(v, k, 60000, &c->debounce_ms, &p);
        else if (strcmp(k, "goBinary") == 0)
            read_go_binary(v, c, &p);
        else if (strcmp(k, "buildFlags") == 0)
            read_list(v, k, &c->build_flags, &p);
        else if (strcmp(k, "env") == 0)
            read_env(v, c, &p);
        else if (strcmp(k, "extraGcflags") == 0)
            read_list(v, k, &c->extra_gcflags, &p);
        else if (strcmp(k, "includeTests") == 0)
            read_bool(v, k, &c->include_tests, &p);
        else if (strcmp(k, "diagnosticsScope") == 0)
            read_scope(v, c, &p);
        else if (strcmp(k, "timeoutMs") == 0)
            read_uint(v, k, 3600000, &c->timeout_ms, &p);
        else if (strcmp(k, "compilerNice") == 0)
            read_uint(v, k, 19, &c->compiler_nice, &p);
        else if (strcmp(k, "reportBuildErrors") == 0)
            read_bool(v, k, &c->report_build_errors, &p);
        else if (strcmp(k, "allowModuleDownloads") == 0)
            read_bool(v, k, &c->allow_downloads, &p);
    }
    if (p.len == 0) {
        ge_buf_free(&p);
        return 0;
    }
    *problems_new = ge_buf_steal(&p, NULL);
    return -EINVAL;
}

char *ge_config_gcflags(const struct ge_config *c)
{
    struct ge_buf b;
    ge_buf_init(&b, 64 * 1024);
    ge_buf_appends(&b, "-gcflags=-m=2");
    for (char **f = c->extra_gcflags; *f; f++)
        ge_buf_printf(&b, " %s", *f);
    return ge_buf_steal(&b, NULL);
}

char *ge_config_fingerprint(const struct ge_config *c)
{
    struct ge_buf b;
    ge_buf_init(&b, 1u << 20);
    char *gcflags = ge_config_gcflags(c);
    ge_buf_printf(&b, "%s\n%s\n%d%d%d\n", c->go_binary, gcflags, c->include_tests,
                  c->allow_downloads, (int)c->diagnostics_scope);
    free(gcflags);
    for (char **f = c->build_flags; *f; f++)
        ge_buf_printf(&b, "b:%s\n", *f);
    for (char **e = c->env; *e; e++)
        ge_buf_printf(&b, "e:%s\n", *e);
    return ge_buf_steal(&b, NULL);
}
