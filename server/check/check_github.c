/*
 * `goescape check --format github`: each finding as a GitHub Actions workflow command,
 * "::warning file=F,line=L,col=C,endLine=L,endColumn=C,title=T::message", and each broken
 * assertion as an "::error", which the runner turns into an annotation on the pull request's
 * diff. The runner splits a command at ':' and ',' and ends it at a newline, so values are
 * escaped as its toolkit does: '%', '\r' and '\n' everywhere, and ':' and ',' in properties as
 * well.
 */
#include "check/check_internal.h"

#include <stdlib.h>

/* Writes s escaped for a workflow command's message (property false) or property value. */
static void put_escaped(FILE *out, const char *s, bool property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", out);
        else if (*s == '\r')
            fputs("%0D", out);
        else if (*s == '\n')
            fputs("%0A", out);
        else if (property && *s == ':')
            fputs("%3A", out);
        else if (property && *s == ',')
            fputs("%2C", out);
        else
            fputc(*s, out);
    }
}

void ge_check_print_github(struct check *c, const struct ge_finding *f, unsigned l1, unsigned c1,
                           unsigned l2, unsigned c2, const char *message)
{
    fputs("::warning file=", c->out);
    put_escaped(c->out, ge_check_display_path(c, f->path), true);
    fprintf(c->out, ",line=%u,col=%u,endLine=%u,endColumn=%u,title=", l1, c1, l2, c2);
    put_escaped(c->out, "goescape: ", true);
    put_escaped(c->out, ge_category_name(f->category), true);
    fputs("::", c->out);
    put_escaped(c->out, message, false);
    /* The flow follows on lines of its own in the annotation. */
    for (size_t k = 0; k < f->nsteps; k++) {
        put_escaped(c->out, "\n  ", false);
        put_escaped(c->out, f->steps[k].message, false);
        if (f->steps[k].path != NULL) {
            char *at = ge_xasprintf(" (%s:%u)", ge_check_display_path(c, f->steps[k].path),
                                    (unsigned)f->steps[k].line);
            put_escaped(c->out, at, false);
            free(at);
        }
    }
    fputc('\n', c->out);
}

void ge_check_print_github_assertion(struct check *c, const char *path, unsigned l1, unsigned c1,
                                     unsigned l2, unsigned c2, const char *message)
{
    fputs("::error file=", c->out);
    put_escaped(c->out, ge_check_display_path(c, path), true);
    fprintf(c->out, ",line=%u,col=%u,endLine=%u,endColumn=%u,title=", l1, c1, l2, c2);
    put_escaped(c->out, "goescape: assertion", true);
    fputs("::", c->out);
    put_escaped(c->out, message, false);
    fputc('\n', c->out);
}
