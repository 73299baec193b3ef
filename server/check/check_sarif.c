/*
 * `goescape check --format sarif`: one SARIF 2.1.0 document, streamed like the JSON output
 * (results are written as each package is printed, one per line, so memory stays flat). The
 * run has one rule per category, whose help is the category's usual remedy; each result
 * carries its fingerprint as a partial fingerprint, its flow to the heap as a code flow, and,
 * when a baseline is in use, whether it is new or was in the baseline ("unchanged": such
 * results are kept in the log, as SARIF viewers expect, and only new ones count as new).
 * Assertions in the code have a rule of their own; a broken one is an error result.
 * Regions are in UTF-16 code units, SARIF's default column kind.
 */
#include "check/check_internal.h"

#include "goescape/uri.h"

#include <stdlib.h>
#include <string.h>

#define SARIF_SCHEMA          "https://json.schemastore.org/sarif-2.1.0.json"
#define SARIF_INFO_URI        "https://github.com/goescape/goescape"
#define SARIF_FINGERPRINT_KEY "goescapeFingerprint/v1"

/* A rule's id is a stable, opaque code (SARIF asks for one that is not its name) and its name
 * a Pascal-case word; the category name stays in the rule's properties. Codes are never
 * reused: a new category gets the next one. */
static const struct {
    const char *id;
    const char *name;
} rule_names[GE_CAT_COUNT] = {
    [GE_CAT_MAP] = {"GE1001", "HeapMap"},
    [GE_CAT_CLOSURE] = {"GE1002", "HeapClosure"},
    [GE_CAT_INTERFACE] = {"GE1003", "HeapInterface"},
    [GE_CAT_SLICE] = {"GE1004", "HeapSlice"},
    [GE_CAT_POINTER] = {"GE1005", "HeapPointer"},
    [GE_CAT_STRING] = {"GE1006", "HeapString"},
    [GE_CAT_MOVED] = {"GE1007", "MovedToHeap"},
    [GE_CAT_OTHER] = {"GE1008", "HeapOther"},
    [GE_CAT_PARAM] = {"GE2001", "LeakingParameter"},
    [GE_CAT_NOESCAPE] = {"GE2002", "DoesNotEscape"},
    [GE_CAT_STATIC] = {"GE2003", "StaticData"},
    [GE_CAT_INLINED] = {"GE2004", "InlinedAllocation"},
};

static const char *const rule_text[GE_CAT_COUNT] = {
    [GE_CAT_MAP] = "A map is allocated on the heap.",
    [GE_CAT_CLOSURE] = "A func value, or a variable a closure captures, is on the heap.",
    [GE_CAT_INTERFACE] = "A value converted to an interface is on the heap.",
    [GE_CAT_SLICE] = "The backing array of a slice is on the heap.",
    [GE_CAT_POINTER] = "A value whose address is taken (&T{}, new(T)) is on the heap.",
    [GE_CAT_STRING] = "A string or its conversion is allocated on the heap.",
    [GE_CAT_MOVED] = "A variable is moved to the heap.",
    [GE_CAT_OTHER] = "A value escapes to the heap.",
    [GE_CAT_PARAM] = "A parameter leaks: what it points to may outlive the call.",
    [GE_CAT_NOESCAPE] = "A value stays on the stack.",
    [GE_CAT_STATIC] = "A value the compiler reports as escaping that allocates nothing.",
    [GE_CAT_INLINED] = "What an inlined function allocates at this call.",
};

/* The help of a category's rule: the remedy for its findings when no more specific cause is
 * known, as the hover gives it. */
static json_t *rule_help(enum ge_category cat)
{
    struct ge_finding f = {.category = (uint8_t)cat, .cause_kind = GE_CAUSE_HEAP};
    char *remedy = ge_finding_remedy_new(&f);
    if (remedy == NULL)
        remedy = ge_xstrdup(ge_category_is_heap(cat)
                                ? "Keep the value from outliving the function (return it by "
                                  "value, let the caller pass memory in), or accept the "
                                  "allocation where it is not on a hot path. The finding's "
                                  "flow shows why it escapes."
                                : "Not a heap allocation; shown for understanding.");
    json_t *help = json_pack("{s:s, s:s}", "text", remedy, "markdown", remedy);
    free(remedy);
    return help;
}

/* The rule of assertions in code, after the categories' rules (its index is GE_CAT_COUNT). */
#define SARIF_ASSERTION_ID "GE3001"
#define SARIF_ASSERTION_HELP                                                                       \
    "A goescape:noescape (or gcassert:noescape) comment asserts that nothing on its line, or "     \
    "in the function whose doc comment holds it, escapes to the heap; the result points at "       \
    "the escape that breaks it, with its flow. Fix the escape, move the assertion, or accept "     \
    "the escape with goescape:allow and a reason. A goescape:allow without a reason is "           \
    "reported too, and an assertion on no code the compiler reported on is a warning."

static json_t *assertion_rule(void)
{
    return json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s}, s:{s:s}}", "id",
                     SARIF_ASSERTION_ID, "name", "EscapeAssertion", "shortDescription", "text",
                     "An escape assertion in the code does not hold.", "help", "text",
                     SARIF_ASSERTION_HELP, "markdown", SARIF_ASSERTION_HELP, "defaultConfiguration",
                     "level", "error", "properties", "category", "assertion");
}

static json_t *rules(void)
{
    json_t *arr = json_array();
    for (int k = 0; k < GE_CAT_COUNT; k++) {
        const char *name = ge_category_name((enum ge_category)k);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:{s:s}, s:o, s:{s:s}, s:{s:s}}", "id", rule_names[k].id,
                           "name", rule_names[k].name, "shortDescription", "text",
                           rule_text[k] ? rule_text[k] : name, "help",
                           rule_help((enum ge_category)k), "defaultConfiguration", "level",
                           ge_category_is_heap((enum ge_category)k) ? "warning" : "note",
                           "properties", "category", name));
    }
    json_array_append_new(arr, assertion_rule());
    return arr;
}

void ge_check_sarif_begin(struct check *c)
{
    char *root = ge_uri_from_path(c->cwd);
    char *base = ge_xasprintf("%s/", root);
    json_t *driver = json_pack("{s:s, s:s, s:s, s:o}", "name", "goescape", "version", GE_VERSION,
                               "informationUri", SARIF_INFO_URI, "rules", rules());
    char *d = json_dumps(driver, JSON_COMPACT);
    json_t *bj = json_string(base);
    char *b = json_dumps(bj, JSON_ENCODE_ANY);
    json_decref(bj);
    printf("{\"$schema\":\"%s\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":%s},"
           "\"columnKind\":\"utf16CodeUnits\",\"originalUriBaseIds\":{\"SRCROOT\":{\"uri\":%s}},"
           "\"results\":[",
           SARIF_SCHEMA, d, b);
    json_decref(driver);
    free(d);
    free(b);
    free(root);
    free(base);
}

/* An artifact location: relative to SRCROOT below the working directory, else absolute. */
static json_t *artifact(const struct check *c, const char *path)
{
    char *uri = ge_uri_from_path(path);
    char *root = ge_uri_from_path(c->cwd);
    size_t n = strlen(root);
    json_t *loc;
    if (strncmp(uri, root, n) == 0 && uri[n] == '/')
        loc = json_pack("{s:s, s:s}", "uri", uri + n + 1, "uriBaseId", "SRCROOT");
    else
        loc = json_pack("{s:s}", "uri", uri);
    free(uri);
    free(root);
    return loc;
}

static json_t *code_flow(const struct check *c, const struct ge_finding *f)
{
    json_t *locs = json_array();
    for (size_t k = 0; k < f->nsteps; k++) {
        const struct ge_flow_step *s = &f->steps[k];
        json_t *loc = json_pack("{s:{s:s}}", "message", "text", s->message);
        /* A step outside the package has no file to point at: its message alone. */
        if (s->path != NULL && s->line > 0)
            json_object_set_new(loc, "physicalLocation",
                                json_pack("{s:o, s:{s:i}}", "artifactLocation",
                                          artifact(c, s->path), "region", "startLine", s->line));
        json_array_append_new(locs, json_pack("{s:o}", "location", loc));
    }
    return json_pack("[{s:[{s:o}]}]", "threadFlows", "locations", locs);
}

void ge_check_print_sarif(struct check *c, const struct ge_finding *f, const struct check_region *r,
                          const char *message, const char *fingerprint, bool in_baseline)
{
    json_t *region = json_pack("{s:i, s:i, s:i, s:i}", "startLine", r->l1, "startColumn", r->c1,
                               "endLine", r->l2, "endColumn", r->c2);
    json_t *phys =
        json_pack("{s:o, s:o}", "artifactLocation", artifact(c, f->path), "region", region);
    json_t *o = json_pack("{s:s, s:i, s:s, s:{s:s}, s:[{s:o}], s:{s:s}}", "ruleId",
                          rule_names[f->category].id, "ruleIndex", (int)f->category, "level",
                          ge_category_is_heap(f->category) ? "warning" : "note", "message", "text",
                          message, "locations", "physicalLocation", phys, "partialFingerprints",
                          SARIF_FINGERPRINT_KEY, fingerprint);
    if (f->func != NULL)
        json_object_set_new(json_array_get(json_object_get(o, "locations"), 0), "logicalLocations",
                            json_pack("[{s:s, s:s}]", "name", f->func, "kind", "function"));
    if (f->nsteps > 0)
        json_object_set_new(o, "codeFlows", code_flow(c, f));
    if (c->have_baseline)
        json_object_set_new(o, "baselineState", json_string(in_baseline ? "unchanged" : "new"));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    fputs(c->out_spooled || c->nprinted > 0 ? ",\n" : "\n", c->out);
    fputs(s, c->out);
    free(s);
}

void ge_check_print_sarif_assertion(struct check *c, const char *path, const struct check_region *r,
                                    const char *message, const char *verdict,
                                    const struct ge_finding *f)
{
    json_t *region = json_pack("{s:i, s:i, s:i, s:i}", "startLine", r->l1, "startColumn", r->c1,
                               "endLine", r->l2, "endColumn", r->c2);
    json_t *phys = json_pack("{s:o, s:o}", "artifactLocation", artifact(c, path), "region", region);
    json_t *o =
        json_pack("{s:s, s:i, s:s, s:{s:s}, s:[{s:o}], s:{s:s}}", "ruleId", SARIF_ASSERTION_ID,
                  "ruleIndex", (int)GE_CAT_COUNT, "level",
                  strcmp(verdict, "unmatched") == 0 ? "warning" : "error", "message", "text",
                  message, "locations", "physicalLocation", phys, "properties", "verdict", verdict);
    if (f != NULL && f->nsteps > 0)
        json_object_set_new(o, "codeFlows", code_flow(c, f));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    fputs(c->out_spooled || c->nprinted > 0 ? ",\n" : "\n", c->out);
    fputs(s, c->out);
    free(s);
}

void ge_check_sarif_end(struct check *c)
{
    size_t n = json_array_size(c->errors);
    json_t *notes = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(notes, json_pack("{s:{s:O}, s:s}", "message", "text",
                                               json_array_get(c->errors, i), "level", "error"));
    json_t *inv = json_pack("[{s:b, s:o}]", "executionSuccessful", !c->failed,
                            "toolExecutionNotifications", notes);
    char *s = json_dumps(inv, JSON_COMPACT);
    json_decref(inv);
    printf("%s],\"invocations\":%s}]}\n", c->nprinted > 0 ? "\n" : "", s);
    free(s);
}
