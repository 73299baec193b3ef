/*
 * Settings: one table names every setting with its JSON type, its default (as JSON) and a
 * one-line description. ge_config_init applies the defaults through the same readers that
 * apply the client's values, and `goescape --print-settings` dumps the table, so the editors'
 * settings and the docs can be checked against it (tests/lsp/test_settings_drift.py). A value
 * of the wrong type leaves the old value and is named in the problems string so the user
 * hears about it once.
 */
#include "config.h"

#include "goescape/buf.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#define MAX_DEBOUNCE_MS 60000
#define MAX_TIMEOUT_MS  3600000
#define MAX_NICE        19

static const char *const severity_names[] = {NULL, "error", "warning", "information", "hint"};
static const char *const analyze_on_names[] = {"save", "open", "type", NULL};
static const char *const scope_names[] = {"open", "package", NULL};

/* Each category's default: shown or hidden, and its LSP severity (1..4). The heap categories
 * are shown; the facts that are not heap escapes stay in hovers only. */
static const struct {
    bool shown;
    int severity;
    const char *description;
} category_defaults[GE_CAT_COUNT] = {
    [GE_CAT_MAP] = {true, 3, "make(map...) and map literals"},
    [GE_CAT_CLOSURE] = {true, 3, "func literals, method values, variables captured by closures"},
    [GE_CAT_INTERFACE] = {true, 3, "values converted to an interface"},
    [GE_CAT_SLICE] = {true, 4, "make([]...), slice literals, ... arguments, append storage"},
    [GE_CAT_POINTER] = {true, 4, "&T{...}, new(T)"},
    [GE_CAT_STRING] = {true, 4, "string concatenation and conversions"},
    [GE_CAT_MOVED] = {true, 4, "other variables moved to the heap"},
    [GE_CAT_OTHER] = {true, 4, "any other heap escape"},
    [GE_CAT_PARAM] = {false, 4, "leaking parameters (not heap escapes)"},
    [GE_CAT_NOESCAPE] = {false, 4, "values that do not escape"},
    [GE_CAT_STATIC] = {false, 4, "reported as escaping but allocating nothing (static data)"},
    [GE_CAT_INLINED] = {false, 4, "what an inlined callee allocates at a call besides its value"},
};

struct setting;
typedef void (*setting_read_cb)(const struct setting *s, json_t *v, struct ge_config *c,
                                struct ge_buf *p);

/* One setting. offset locates its field in struct ge_config for the generic readers; max
 * bounds an integer; choices lists a string setting's values in the order of its enum. */
struct setting {
    const char *name;
    const char *type;         /* JSON schema type: boolean, integer, string, array, object */
    const char *default_json; /* NULL for categories and severity: built from category_defaults */
    const char *description;
    setting_read_cb read;
    size_t offset;
    uint64_t max;
    const char *const *choices;
};

static void read_bool(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p);
static void read_uint(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p);
static void read_command(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p);
static void read_list(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p);
static void read_env(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p);
static void read_analyze_on(const struct setting *s, json_t *v, struct ge_config *c,
                            struct ge_buf *p);
static void read_scope(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p);
static void read_categories(const struct setting *s, json_t *v, struct ge_config *c,
                            struct ge_buf *p);
static void read_severity(const struct setting *s, json_t *v, struct ge_config *c,
                          struct ge_buf *p);

#define FIELD(f) offsetof(struct ge_config, f)

static const struct setting settings[] = {
    {.name = "categories",
     .type = "object",
     .read = read_categories,
     .description = "which finding categories are shown"},
    {.name = "severity",
     .type = "object",
     .read = read_severity,
     .description = "diagnostic severity per category"},
    {.name = "inlayHints",
     .type = "boolean",
     .default_json = "true",
     .read = read_bool,
     .offset = FIELD(inlay_hints),
     .description = "inlay hints on or off"},
    {.name = "codeLens",
     .type = "boolean",
     .default_json = "true",
     .read = read_bool,
     .offset = FIELD(code_lens),
     .description = "code lenses on or off"},
    {.name = "hoverRemedies",
     .type = "boolean",
     .default_json = "true",
     .read = read_bool,
     .offset = FIELD(hover_remedies),
     .description = "remedies in hovers"},
    {.name = "analyzeOn",
     .type = "string",
     .default_json = "\"save\"",
     .read = read_analyze_on,
     .choices = analyze_on_names,
     .description = "when analysis runs: on save, also on open, or also while typing"},
    {.name = "debounceMs",
     .type = "integer",
     .default_json = "250",
     .read = read_uint,
     .offset = FIELD(debounce_ms),
     .max = MAX_DEBOUNCE_MS,
     .description = "quiet time in ms before a burst of triggers is analyzed"},
    {.name = "goBinary",
     .type = "string",
     .default_json = "\"go\"",
     .read = read_command,
     .description = "the go command"},
    {.name = "buildFlags",
     .type = "array",
     .default_json = "[]",
     .read = read_list,
     .offset = FIELD(build_flags),
     .description = "extra flags for the go command"},
    {.name = "env",
     .type = "object",
     .default_json = "{}",
     .read = read_env,
     .description = "extra environment variables for the go command"},
    {.name = "extraGcflags",
     .type = "array",
     .default_json = "[]",
     .read = read_list,
     .offset = FIELD(extra_gcflags),
     .description = "added after -m=2 in -gcflags"},
    {.name = "includeTests",
     .type = "boolean",
     .default_json = "true",
     .read = read_bool,
     .offset = FIELD(include_tests),
     .description = "also compile _test.go files (go test -c)"},
    {.name = "diagnosticsScope",
     .type = "string",
     .default_json = "\"open\"",
     .read = read_scope,
     .choices = scope_names,
     .description = "findings for open documents only, or every file of their packages"},
    {.name = "timeoutMs",
     .type = "integer",
     .default_json = "120000",
     .read = read_uint,
     .offset = FIELD(timeout_ms),
     .max = MAX_TIMEOUT_MS,
     .description = "stop the go command after this long in ms without progress"},
    {.name = "compilerNice",
     .type = "integer",
     .default_json = "10",
     .read = read_uint,
     .offset = FIELD(compiler_nice),
     .max = MAX_NICE,
     .description = "nice value (0-19) of the go command and its compilers"},
    {.name = "reportBuildErrors",
     .type = "boolean",
     .default_json = "false",
     .read = read_bool,
     .offset = FIELD(report_build_errors),
     .description = "publish compile errors as diagnostics"},
    {.name = "allowModuleDownloads",
     .type = "boolean",
     .default_json = "false",
     .read = read_bool,
     .offset = FIELD(allow_downloads),
     .description = "let the go command download modules and toolchains"},
};

#define SETTING_COUNT (sizeof settings / sizeof settings[0])

static void free_list(char **list)
{
    if (list == NULL)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

static void problem(struct ge_buf *p, const char *key, const char *why)
{
    ge_buf_printf(p, "%s%s (%s)", p->len ? ", " : "", key, why);
}

static void *field(const struct setting *s, struct ge_config *c)
{
    return (char *)c + s->offset;
}

static void read_bool(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p)
{
    if (json_is_boolean(v))
        *(bool *)field(s, c) = json_is_true(v);
    else
        problem(p, s->name, "expected true or false");
}

static void read_uint(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0 &&
        (uint64_t)json_integer_value(v) <= s->max)
        *(uint64_t *)field(s, c) = (uint64_t)json_integer_value(v);
    else
        problem(p, s->name, "expected a non-negative integer");
}

/* Accepts an array of strings, or one string split on spaces. */
static void read_list(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    char **list = NULL;
    if (json_is_array(v)) {
        list = ge_xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);
            if (!json_is_string(e)) {
                free_list(list);
                problem(p, s->name, "expected an array of strings");
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
        problem(p, s->name, "expected an array of strings");
        return;
    }
    char ***out = field(s, c);
    free_list(*out);
    *out = list;
}

static void read_env(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p)
{
    if (!json_is_object(v)) {
        problem(p, s->name, "expected an object of strings");
        return;
    }
    char **list = ge_xcalloc(json_object_size(v) + 1, sizeof(char *));
    size_t i = 0;
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e)
    {
        if (!json_is_string(e) || *k == '\0' || strchr(k, '=') != NULL) {
            problem(p, s->name, "expected names without '=' and string values");
            continue;
        }
        list[i++] = ge_xasprintf("%s=%s", k, json_string_value(e));
    }
    free_list(c->env);
    c->env = list;
}

static void read_categories(const struct setting *s, json_t *v, struct ge_config *c,
                            struct ge_buf *p)
{
    const char *k;
    json_t *e;
    if (!json_is_object(v)) {
        problem(p, s->name, "expected an object of booleans");
        return;
    }
    json_object_foreach(v, k, e)
    {
        enum ge_category cat;
        if (ge_category_parse(k, &cat) != 0 || !json_is_boolean(e))
            problem(p, s->name, k);
        else
            c->categories[cat] = json_is_true(e);
    }
}

static void read_severity(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p)
{
    const char *k;
    json_t *e;
    if (!json_is_object(v)) {
        problem(p, s->name, "expected an object of strings");
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
            problem(p, s->name, k);
        else
            c->severity[cat] = sev;
    }
}

/* The index of v in s->choices, or -1 with a problem naming the accepted values. */
static int read_choice(const struct setting *s, json_t *v, struct ge_buf *p)
{
    const char *str = json_string_value(v);
    for (int i = 0; str != NULL && s->choices[i] != NULL; i++)
        if (strcmp(str, s->choices[i]) == 0)
            return i;
    struct ge_buf why;
    ge_buf_init(&why, 256);
    ge_buf_appends(&why, "expected ");
    for (int i = 0; s->choices[i] != NULL; i++)
        ge_buf_printf(&why, "%s\"%s\"",
                      i == 0              ? ""
                      : s->choices[i + 1] ? ", "
                                          : " or ",
                      s->choices[i]);
    problem(p, s->name, why.data);
    ge_buf_free(&why);
    return -1;
}

static void read_analyze_on(const struct setting *s, json_t *v, struct ge_config *c,
                            struct ge_buf *p)
{
    int i = read_choice(s, v, p);
    if (i >= 0)
        c->analyze_on = (enum ge_analyze_on)i;
}

static void read_scope(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p)
{
    int i = read_choice(s, v, p);
    if (i >= 0)
        c->diagnostics_scope = (enum ge_diag_scope)i;
}

static void read_command(const struct setting *s, json_t *v, struct ge_config *c, struct ge_buf *p)
{
    if (!json_is_string(v) || json_string_length(v) == 0) {
        problem(p, s->name, "expected a command name or path");
        return;
    }
    free(c->go_binary);
    c->go_binary = ge_xstrdup(json_string_value(v));
}

/* A setting's default as a new JSON value. */
static json_t *default_new(const struct setting *s)
{
    if (s->default_json != NULL)
        return json_loads(s->default_json, JSON_DECODE_ANY, NULL);
    json_t *obj = json_object();
    bool severity = s->read == read_severity;
    for (int i = 0; i < GE_CAT_COUNT; i++)
        json_object_set_new(obj, ge_category_name((enum ge_category)i),
                            severity ? json_string(severity_names[category_defaults[i].severity])
                                     : json_boolean(category_defaults[i].shown));
    return obj;
}

void ge_config_init(struct ge_config *c)
{
    *c = (struct ge_config){0};
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        struct ge_buf p;
        ge_buf_init(&p, 4096);
        json_t *v = default_new(&settings[i]);
        settings[i].read(&settings[i], v, c, &p);
        /* A default its own reader rejects is a bug in the table: every start stops here. */
        if (v == NULL || p.len != 0)
            abort();
        json_decref(v);
        ge_buf_free(&p);
    }
}

void ge_config_free(struct ge_config *c)
{
    free(c->go_binary);
    free_list(c->build_flags);
    free_list(c->env);
    free_list(c->extra_gcflags);
    *c = (struct ge_config){0};
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
        for (size_t i = 0; i < SETTING_COUNT; i++)
            if (strcmp(k, settings[i].name) == 0)
                settings[i].read(&settings[i], v, c, &p);
    }
    if (p.len == 0) {
        ge_buf_free(&p);
        return 0;
    }
    *problems_new = ge_buf_steal(&p, NULL);
    return -EINVAL;
}

json_t *ge_config_describe(void)
{
    json_t *list = json_array();
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        const struct setting *s = &settings[i];
        json_t *entry = json_pack("{s:s, s:s, s:o, s:s}", "name", s->name, "type", s->type,
                                  "default", default_new(s), "description", s->description);
        if (s->choices != NULL) {
            json_t *choices = json_array();
            for (int j = 0; s->choices[j] != NULL; j++)
                json_array_append_new(choices, json_string(s->choices[j]));
            json_object_set_new(entry, "enum", choices);
        }
        if (s->max != 0)
            json_object_set_new(entry, "maximum", json_integer((json_int_t)s->max));
        json_array_append_new(list, entry);
    }
    json_t *cats = json_array();
    for (int i = 0; i < GE_CAT_COUNT; i++) {
        enum ge_category cat = (enum ge_category)i;
        /* A category missing from a table shows as null, so the drift test sees it rather
         * than a list without it. */
        json_array_append_new(
            cats, json_pack("{s:s?, s:b, s:b, s:s?, s:s?}", "name", ge_category_name(cat), "heap",
                            ge_category_is_heap(cat), "default", category_defaults[i].shown,
                            "severity", severity_names[category_defaults[i].severity],
                            "description", category_defaults[i].description));
    }
    json_t *severities = json_array();
    for (int i = 1; i <= 4; i++)
        json_array_append_new(severities, json_string(severity_names[i]));
    return json_pack("{s:o, s:o, s:o}", "settings", list, "categories", cats, "severities",
                     severities);
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
