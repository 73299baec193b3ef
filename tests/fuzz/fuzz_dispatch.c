/*
 * libFuzzer target for the server itself: JSON-RPC dispatch, the handlers, analysis
 * scheduling, the go job runner, result placement, publishing and shutdown, driven through
 * ge_server_init/ge_dispatch/ge_server_stop on a private loop per input. The input is a list
 * of message bodies separated by 0x1e (ASCII record separator); "$ROOT" in a body stands for a
 * scratch directory holding a small module (mod/, with a second package in mod/sub/) and a
 * file outside any module (loose/l.go). Three bodies are directives, not messages: "$SETTLE"
 * lets the analyses in flight finish first, so later requests see their findings; "$STALL"
 * makes the client stop reading the server's output and "$READ" makes it read again.
 *
 * The server's stdout is one end of a socketpair with the smallest buffers the kernel allows,
 * read by a client pipe on the same loop, so output queues in libuv as soon as the client
 * stalls, and a client still stalled at the end exercises the exit path that gives up on it.
 *
 * No real go command runs. The go binary is forced to this executable itself (via
 * /proc/self/exe), which a constructor turns into a fake go when GOESCAPE_FUZZ_FAKE_GO is in
 * its environment: it prints recorded compiler output for the scratch module and exits, or
 * fails when the fuzzed build flags ask for it. FUZZ_DISPATCH_NO_GO=1 uses a go binary that
 * does not exist instead. FUZZ_DISPATCH_LOG=1 keeps the server's log on stderr.
 * FUZZ_DISPATCH_READ_AT_EXIT=1 makes a stalled client read again before the server stops,
 * which keeps a known crash on the give-up path from masking everything else.
 *
 * Invariants checked for every input:
 *   - every message the server writes is framed and decodes as valid JSON-RPC;
 *   - every request with a valid id gets exactly one response carrying that id, and no
 *     response names an id that was never sent (goescape.analyze may go unanswered when the
 *     server stops before its analysis ends, and a client still stalled at the end may lose
 *     what was queued for it);
 *   - after ge_server_stop the loop runs dry and uv_loop_close returns 0;
 *   - the scratch module is never written to.
 * Leaks are found by LeakSanitizer, memory errors by AddressSanitizer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "server.h"
#include "lsp/dispatch.h"
#include "io/log.h"
#include "goescape/frame.h"
#include "goescape/rpc.h"

#define SEPARATOR   '\x1e'
#define ROOT_MARK   "$ROOT"
#define SETTLE_MARK "$SETTLE"
#define STALL_MARK  "$STALL"
#define READ_MARK   "$READ"
/* Socket buffer size asked for on both ends; the kernel rounds it up to its minimum. */
#define SOCK_BUF 1024
/* Loop turns allowed while analyses finish at the end of an input. */
#define DRAIN_TURNS 256
#define OUT_MAX     (256u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the fake go prints: real go1.26 -m=2 output for the scratch packages. */
static const char fake_output[] =
    "# example.com/fz\n"
    "./m.go:7:6: can inline New with cost 7 as: func(int, int) *P { return &P{...} }\n"
    "./m.go:9:6: can inline Moved with cost 8 as: func() *int { v := 1; return &v }\n"
    "./m.go:14:33: inlining call to fmt.Println\n"
    "./m.go:7:32: &P{...} escapes to heap in New:\n"
    "./m.go:7:32:   flow: ~r0 \xe2\x86\x90 &{storage for &P{...}}:\n"
    "./m.go:7:32:     from &P{...} (spill) at ./m.go:7:32\n"
    "./m.go:7:32:     from return &P{...} (return) at ./m.go:7:25\n"
    "./m.go:7:32: &P{...} escapes to heap\n"
    "./m.go:10:2: v escapes to heap in Moved:\n"
    "./m.go:10:2:   flow: ~r0 \xe2\x86\x90 &v:\n"
    "./m.go:10:2:     from &v (address-of) at ./m.go:11:9\n"
    "./m.go:10:2:     from return &v (return) at ./m.go:11:2\n"
    "./m.go:10:2: moved to heap: v\n"
    "./m.go:14:37: \"h\xc3\xa9llo \xf0\x9f\x98\x80\" escapes to heap in Say:\n"
    "./m.go:14:37:   flow: {storage for ... argument} \xe2\x86\x90 &{storage for \"h\xc3\xa9llo "
    "\xf0\x9f\x98\x80\"}:\n"
    "./m.go:14:37:     from \"h\xc3\xa9llo \xf0\x9f\x98\x80\" (spill) at ./m.go:14:37\n"
    "./m.go:14:37:     from ... argument (slice-literal-element) at ./m.go:14:33\n"
    "./m.go:14:10: leaking param: s\n"
    "./m.go:14:33: ... argument does not escape\n"
    "./m.go:14:34: s escapes to heap\n"
    "./m.go:14:37: \"h\xc3\xa9llo \xf0\x9f\x98\x80\" escapes to heap\n"
    "./m.go:17:2: Closure capturing by ref: n (addr=false assign=true width=8)\n"
    "./m.go:17:2: moved to heap: n\n"
    "./m.go:18:9: func literal escapes to heap\n"
    "./m.go:21:48: map[string]int{...} escapes to heap\n"
    "an output line nobody knows\n"
    "# example.com/fz/sub\n"
    "sub/s.go:3:6: can inline S with cost 4 as: func() []int { return make([]int, 8) }\n"
    "sub/s.go:3:35: make([]int, 8) escapes to heap\n"
    "# command-line-arguments\n"
    "./l.go:3:26: new(int) escapes to heap\n";

static const char fake_failure[] = "# example.com/fz\n"
                                   "./m.go:7:2: undefined: nothere\n"
                                   "./m.go:99:1: syntax error: unexpected }\n";

static const char fake_network[] =
    "go: example.com/dep@v1.0.0: module lookup disabled by GOPROXY=off\n";

static const char m_go[] =
    "package fz\n"
    "\n"
    "import \"fmt\"\n"
    "\n"
    "type P struct{ X, Y int }\n"
    "\n"
    "func New(x, y int) *P { return &P{x, y} }\n"
    "\n"
    "func Moved() *int {\n"
    "\tv := 1\n"
    "\treturn &v\n"
    "}\n"
    "\n"
    "func Say(s string) { fmt.Println(s, \"h\xc3\xa9llo \xf0\x9f\x98\x80\") }\n"
    "\n"
    "func Closure() func() int {\n"
    "\tn := 0\n"
    "\treturn func() int { n++; return n }\n"
    "}\n"
    "\n"
    "func M() map[string]int { return map[string]int{\"a\": 1} }\n";

static char root[64];
static char *forced_settings;
static struct timespec mod_mtime, sub_mtime;

static bool has_arg(int argc, char **argv, const char *needle)
{
    for (int i = 1; i < argc; i++)
        if (strstr(argv[i], needle) != NULL)
            return true;
    return false;
}

/* Runs before libFuzzer's main: in a child spawned as the go command, act as go and exit. */
__attribute__((constructor)) static void fake_go(int argc, char **argv)
{
    if (getenv("GOESCAPE_FUZZ_FAKE_GO") == NULL)
        return;
    const char *out = fake_output;
    int status = 0;
    if (has_arg(argc, argv, "fail")) {
        out = fake_failure;
        status = 1;
    } else if (has_arg(argc, argv, "network")) {
        out = fake_network;
        status = 1;
    }
    ssize_t w = write(2, out, strlen(out));
    (void)w;
    _exit(status);
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_dispatch: invariant failed: %s\n", what);
        abort();
    }
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = ge_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    check(f != NULL && fputs(text, f) >= 0 && fclose(f) == 0, "write the scratch module");
    free(path);
}

static struct timespec mtime_of(const char *dir)
{
    struct stat st;
    check(stat(dir, &st) == 0, "stat the scratch module");
    return st.st_mtim;
}

static void remove_scratch(void)
{
    static const char *const files[] = {"mod/go.mod", "mod/m.go", "mod/sub/s.go", "loose/l.go",
                                        "mod/sub",    "mod",      "loose",        ""};
    for (size_t i = 0; i < GE_ARRAY_SIZE(files); i++) {
        char *p = ge_xasprintf("%s/%s", root, files[i]);
        if (unlink(p) != 0)
            rmdir(p);
        free(p);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(root, sizeof root, "/tmp/goescape-fuzz-dispatch-XXXXXX");
    check(mkdtemp(root) != NULL, "create the scratch directory");
    char *mod = ge_xasprintf("%s/mod", root);
    char *sub = ge_xasprintf("%s/mod/sub", root);
    char *loose = ge_xasprintf("%s/loose", root);
    check(mkdir(mod, 0755) == 0 && mkdir(sub, 0755) == 0 && mkdir(loose, 0755) == 0, "mkdir");
    write_file(mod, "go.mod", "module example.com/fz\n\ngo 1.19\n");
    write_file(mod, "m.go", m_go);
    write_file(sub, "s.go", "package sub\n\nfunc S() []int { return make([]int, 8) }\n");
    write_file(loose, "l.go", "package main\n\nfunc main() { p := new(int); println(p) }\n");
    mod_mtime = mtime_of(mod);
    sub_mtime = mtime_of(sub);
    free(mod);
    free(sub);
    free(loose);
    atexit(remove_scratch);
    bool real_fake = getenv("FUZZ_DISPATCH_NO_GO") == NULL;
    forced_settings =
        ge_xasprintf("{\"goBinary\": \"%s\", \"env\": {\"GOESCAPE_FUZZ_FAKE_GO\": \"1\"}}",
                     real_fake ? "/proc/self/exe" : "/nonexistent/goescape-fuzz/go");
    if (getenv("FUZZ_DISPATCH_LOG") == NULL)
        ge_log_set_level(GE_LOG_ERROR);
    return 0;
}

/* Puts the go binary and its environment back after every message, whatever the input set. */
static void force_settings(struct ge_server *s)
{
    json_t *obj = json_loads(forced_settings, 0, NULL);
    char *problems = NULL;
    check(obj != NULL && ge_config_apply(&s->config, obj, &problems) == 0, "forced settings");
    json_decref(obj);
}

/* A copy of body with every "$ROOT" replaced by the scratch directory. */
static char *expand(const char *body, size_t len, size_t *out_len)
{
    struct ge_buf b;
    ge_buf_init(&b, 4 * len + 4096);
    size_t mark = strlen(ROOT_MARK);
    for (size_t i = 0; i < len; i++) {
        if (len - i >= mark && memcmp(body + i, ROOT_MARK, mark) == 0) {
            ge_buf_appends(&b, root);
            i += mark - 1;
        } else {
            ge_buf_append(&b, body + i, 1);
        }
    }
    ge_buf_reserve(&b, 0);
    return ge_buf_steal(&b, out_len);
}

/* Request ids the server owes an answer to. */
struct owed {
    json_t *ids;      /* array of ids, one entry per request */
    json_t *optional; /* ids that may go unanswered (goescape.analyze) */
};

static void expect_answer(struct owed *o, const char *body, size_t len)
{
    struct ge_rpc_msg m;
    int rc = ge_rpc_decode(body, len, &m, NULL);
    bool owed = (rc == 0 && m.kind == GE_RPC_REQUEST) ||
                (rc == -EPROTO && m.kind != GE_RPC_RESPONSE && m.id != NULL);
    if (owed) {
        bool command = rc == 0 && strcmp(m.method, "workspace/executeCommand") == 0;
        json_array_append(command ? o->optional : o->ids, m.id);
    }
    ge_rpc_msg_free(&m);
}

static bool take_id(json_t *list, json_t *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_equal(v, id)) {
            json_array_remove(list, i);
            return true;
        }
    }
    return false;
}

/* The client end of the server's stdout. */
struct client {
    uv_pipe_t pipe;
    struct ge_buf got;
    bool reading;
    bool closed;
};

static void client_closed(uv_handle_t *h)
{
    struct client *c = h->data;
    c->closed = true;
}

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct client *c = h->data;
    (void)suggested;
    check(ge_buf_reserve(&c->got, 65536) == 0, "output within its cap");
    *buf = uv_buf_init(c->got.data + c->got.len, 65536);
}

static void client_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct client *c = st->data;
    (void)buf;
    if (nread > 0)
        c->got.len += (size_t)nread;
    else if (nread < 0 && !uv_is_closing((uv_handle_t *)st))
        uv_close((uv_handle_t *)st, client_closed);
}

static void client_resume(struct client *c)
{
    if (!c->reading && !c->closed && !uv_is_closing((uv_handle_t *)&c->pipe))
        check(uv_read_start((uv_stream_t *)&c->pipe, client_alloc, client_read) == 0, "read");
    c->reading = true;
}

static void client_stall(struct client *c)
{
    if (c->reading && !uv_is_closing((uv_handle_t *)&c->pipe))
        uv_read_stop((uv_stream_t *)&c->pipe);
    c->reading = false;
}

/* Takes what is left in the socket after the server closed it, then closes the client. */
static void client_finish(struct client *c, uv_loop_t *loop)
{
    if (!c->closed && !uv_is_closing((uv_handle_t *)&c->pipe)) {
        uv_os_fd_t fd;
        check(uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0, "client fd");
        for (;;) {
            check(ge_buf_reserve(&c->got, 65536) == 0, "output within its cap");
            ssize_t n = read(fd, c->got.data + c->got.len, 65536);
            if (n <= 0)
                break;
            c->got.len += (size_t)n;
        }
        uv_close((uv_handle_t *)&c->pipe, client_closed);
    }
    uv_run(loop, UV_RUN_DEFAULT);
}

/* Checks everything the server wrote against what it owed. A client that was still stalled
 * when the server gave up on it may have lost the tail, even in the middle of a message. */
static void check_output(const char *data, size_t size, struct owed *o, bool complete)
{
    struct ge_framer fr;
    ge_framer_init(&fr);
    size_t cursor = 0;
    while (cursor < size) {
        struct ge_frame f;
        int rc = ge_frame_next(&fr, data + cursor, size - cursor, &f);
        if (rc == GE_FRAME_MORE && !complete)
            break;
        check(rc == GE_FRAME_MESSAGE, "the server's output is framed");
        cursor += f.consumed;
        struct ge_rpc_msg m;
        check(ge_rpc_decode(f.body, f.body_len, &m, NULL) == 0, "the server sends JSON-RPC");
        if (m.kind == GE_RPC_RESPONSE && m.id != NULL)
            check(take_id(o->ids, m.id) || take_id(o->optional, m.id),
                  "each response answers one request");
        ge_rpc_msg_free(&m);
    }
    check(!complete || json_array_size(o->ids) == 0, "every request is answered");
}

static bool is_directive(const char *p, size_t n, const char *mark)
{
    return n == strlen(mark) && memcmp(p, mark, n) == 0;
}

/* Lets analyses that are in flight finish, without waiting for debounce timers. */
static void settle(struct ge_server *s)
{
    for (int i = 0; i < DRAIN_TURNS && s->runs != NULL && s->state != GE_STATE_STOPPING; i++)
        uv_run(s->loop, UV_RUN_ONCE);
}

/* Feeds every message of the input to the server. */
static void run_input(struct ge_server *s, struct client *c, struct owed *owed, const uint8_t *data,
                      size_t size)
{
    const char *p = (const char *)data;
    const char *end = p + size;
    while (p <= end && s->state != GE_STATE_STOPPING) {
        const char *sep = memchr(p, SEPARATOR, (size_t)(end - p));
        const char *stop = sep ? sep : end;
        size_t n = (size_t)(stop - p);
        if (is_directive(p, n, SETTLE_MARK)) {
            settle(s);
        } else if (is_directive(p, n, STALL_MARK)) {
            client_stall(c);
        } else if (is_directive(p, n, READ_MARK)) {
            client_resume(c);
        } else {
            size_t len = 0;
            char *body = expand(p, n, &len);
            expect_answer(owed, body, len);
            ge_dispatch(s, body, len);
            free(body);
            force_settings(s);
            uv_run(s->loop, UV_RUN_NOWAIT);
        }
        p = stop + 1;
    }
    settle(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uv_loop_t loop;
    struct ge_server s;
    struct owed owed = {.ids = json_array(), .optional = json_array()};
    struct client c = {.reading = false};
    int in[2], sv[2];
    int small = SOCK_BUF;
    check(uv_loop_init(&loop) == 0, "loop");
    check(pipe2(in, O_CLOEXEC) == 0, "pipe");
    close(in[1]);
    check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ge_buf_init(&c.got, OUT_MAX);
    check(uv_pipe_init(&loop, &c.pipe, 0) == 0 && uv_pipe_open(&c.pipe, sv[1]) == 0, "client");
    c.pipe.data = &c;
    client_resume(&c);
    if (ge_server_init(&s, &loop, in[0], sv[0]) == 0) {
        force_settings(&s);
        run_input(&s, &c, &owed, data, size);
    }
    if (getenv("FUZZ_DISPATCH_READ_AT_EXIT") != NULL)
        client_resume(&c);
    bool complete = c.reading;
    ge_server_stop(&s, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    client_finish(&c, &loop);
    ge_server_free(&s);
    check(uv_loop_close(&loop) == 0, "every handle is closed");
    check_output(c.got.data, c.got.len, &owed, complete);
    ge_buf_free(&c.got);
    json_decref(owed.ids);
    json_decref(owed.optional);
    char *mod = ge_xasprintf("%s/mod", root);
    char *sub = ge_xasprintf("%s/mod/sub", root);
    struct timespec a = mtime_of(mod), b = mtime_of(sub);
    check(a.tv_sec == mod_mtime.tv_sec && a.tv_nsec == mod_mtime.tv_nsec &&
              b.tv_sec == sub_mtime.tv_sec && b.tv_nsec == sub_mtime.tv_nsec,
          "nothing is written into the module");
    free(mod);
    free(sub);
    return 0;
}
