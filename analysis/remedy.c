/*
 * Remedies: a few lines of markdown for the hover, chosen by category and cause. They suggest
 * what usually helps and say when the allocation is fine to keep. They never claim that an
 * interface conversion allocates: constants, single-byte values and zero-size values are
 * converted without an allocation (golang/go#71359), so the text says "converted to an
 * interface" and hedges.
 */
#include "explain_internal.h"

#include <stdlib.h>
#include <string.h>

static const char POOL[] =
    "If this runs often and the object is short-lived, a `sync.Pool` can reuse it "
    "instead of allocating each time.";

static char *map_remedy(const struct ge_finding *f)
{
    switch (f->cause_kind) {
    case GE_CAUSE_RETURNED:
        return ge_xstrdup(
            "The map is returned, so it must outlive the call. Let the caller pass the map in "
            "(and reuse it, `clear(m)` between uses), or accept the allocation: a returned map "
            "always lives on the heap.");
    case GE_CAUSE_INTERFACE:
        return ge_xstrdup("The map is converted to an interface (for example as an argument of "
                          "`fmt`), and the callee may keep it. Print or log only in cold paths, "
                          "or pass the values you need instead of the map.");
    case GE_CAUSE_CAPTURED:
        return ge_xstrdup("A closure captures the map and outlives the function. Pass the map "
                          "to the closure as a parameter, or keep the closure local.");
    default:
        return ge_xasprintf(
            "Even with a constant size hint a map escapes when it outlives the function. "
            "Keep it local to the function, or reuse one map (`clear(m)`) across calls. %s",
            POOL);
    }
}

static char *closure_remedy(const struct ge_finding *f)
{
    switch (f->cause_kind) {
    case GE_CAUSE_CAPTURED:
        return ge_xstrdup("A closure that outlives the function captures this variable by "
                          "reference. Pass the value to the closure as a parameter, or copy it "
                          "into a local inside the closure, so that nothing has to move.");
    case GE_CAUSE_GOROUTINE:
        return ge_xstrdup("A goroutine's function always escapes. If goroutines are started in "
                          "a hot loop, consider a fixed pool of workers fed by a channel.");
    case GE_CAUSE_DEFER:
        return ge_xstrdup("A `defer` inside a loop allocates its closure. Move the loop body into "
                          "a function so that the `defer` runs once per call.");
    default:
        return ge_xstrdup("The func value outlives the function. If it is created in a hot path, "
                          "create it once (a package-level func or a method expression) and "
                          "pass the data as parameters instead of capturing it.");
    }
}

static char *interface_remedy(const struct ge_finding *f)
{
    return ge_xasprintf(
        "`%s` is converted to an interface, which may allocate a box for the value (it does not "
        "for constants, single-byte values or values that are already pointers). In a hot path "
        "prefer a typed API: `strconv.AppendInt`/`strconv.Itoa` instead of `fmt`, or a concrete "
        "type instead of `any`.",
        f->subject ? f->subject : "the value");
}

static char *slice_remedy(const struct ge_finding *f)
{
    switch (f->cause_kind) {
    case GE_CAUSE_NONCONST_SIZE:
        return ge_xstrdup(
            "The size is not a constant, so the compiler cannot reserve it on the stack. Use a "
            "constant capacity that covers the common case (`make([]T, 0, 64)`), or pass a "
            "buffer in. Go 1.25 and later keep small variable-size slices on the stack.");
    case GE_CAUSE_RETURNED:
        return ge_xstrdup("The slice is returned, so its backing array outlives the call. Let "
                          "the caller pass a buffer in (an `append`-style API: "
                          "`func F(dst []T) []T`) to reuse memory.");
    default:
        return ge_xasprintf("The backing array outlives the function. Preallocate once and "
                            "reuse it, or let the caller pass a buffer in. %s",
                            POOL);
    }
}

static char *forced_remedy(const struct ge_finding *f)
{
    switch (f->cause_kind) {
    case GE_CAUSE_TOO_LARGE:
        return ge_xasprintf("Too large for the stack (explicit variables over 128 KB in recent "
                            "Go, implicit ones over 64 KB). Allocate it once and reuse it, or "
                            "split the work into smaller buffers. %s",
                            POOL);
    case GE_CAUSE_TOO_ALIGNED:
        return ge_xstrdup("The type needs more alignment than the stack provides; it will always "
                          "be heap-allocated. Reuse one value if it is created often.");
    case GE_CAUSE_ZERO_SIZED:
        return ge_xstrdup("A slice of zero-sized elements is heap-allocated by this compiler "
                          "(golang/go#65685); the allocation is tiny. A counter may do instead.");
    default:
        return NULL;
    }
}

static char *generic_remedy(const struct ge_finding *f)
{
    switch (f->cause_kind) {
    case GE_CAUSE_RETURNED:
        return ge_xstrdup("The value is returned by reference, so it must outlive the call. "
                          "Return it by value if it is small, or let the caller provide the "
                          "memory.");
    case GE_CAUSE_CALL_ARG:
        return ge_xstrdup("The callee keeps its argument (it leaks to the heap inside it). Check "
                          "the callee's own findings; if you own it, avoid storing the "
                          "parameter or pass a copy.");
    case GE_CAUSE_GLOBAL:
        return ge_xstrdup("Stored in a package-level variable, so it lives as long as the "
                          "program. That is fine for values set up once.");
    case GE_CAUSE_SENT:
        return ge_xstrdup("Values sent on a channel may be received by any goroutine, so their "
                          "pointees live on the heap. Send values instead of pointers when they "
                          "are small.");
    case GE_CAUSE_CAPTURED:
    case GE_CAUSE_GOROUTINE:
    case GE_CAUSE_DEFER:
        return closure_remedy(f);
    case GE_CAUSE_MAP_STORE:
    case GE_CAUSE_POINTER_STORE:
    case GE_CAUSE_APPENDED:
        return ge_xasprintf("Its address is stored where the compiler cannot follow it. Store "
                            "values rather than pointers when they are small. %s",
                            POOL);
    default:
        return NULL;
    }
}

char *ge_finding_remedy_new(const struct ge_finding *f)
{
    if (f == NULL || !ge_category_is_heap(f->category))
        return NULL;
    char *r = forced_remedy(f);
    if (r != NULL)
        return r;
    switch (f->category) {
    case GE_CAT_MAP:
        return map_remedy(f);
    case GE_CAT_CLOSURE:
        return closure_remedy(f);
    case GE_CAT_INTERFACE:
        return interface_remedy(f);
    case GE_CAT_SLICE:
        return slice_remedy(f);
    case GE_CAT_STRING:
        return ge_xstrdup("Building or converting a string here allocates because the result "
                          "outlives the function. Use a `strings.Builder` (or `append` to a "
                          "reused `[]byte`) for repeated concatenation, and avoid converting "
                          "back and forth between `string` and `[]byte`.");
    default:
        return f->cause_kind == GE_CAUSE_INTERFACE ? interface_remedy(f) : generic_remedy(f);
    }
}
