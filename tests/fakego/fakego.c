/*
 * A fake `go` command for the process and LSP tests. The server runs it through its goBinary
 * setting exactly as it runs the real go command: by argv, in its own process group, with
 * stdout and stderr on pipes. What it does is read from a control spec, so one binary can
 * replay a recorded compiler output with the recorded exit status, fail without a word, flood
 * stderr, hang, ignore SIGTERM (with a child that does the same, to prove that the whole
 * process group is killed), die by a signal, or hand over to the real go command.
 *
 * Every invocation first appends one JSON line to $FAKEGO_LOG (when set): its pid, process
 * group, parent, argv, working directory, the GO* environment, its open descriptors, and the
 * -overlay file it was given, so the tests can assert the exact command line and environment,
 * that no descriptor leaked into it, and where unsaved buffers were written.
 *
 * The spec is a list of entries separated by newlines or ';', read first from the file named
 * by $FAKEGO_CONTROL (so a test can change the behaviour between runs without touching the
 * server's settings) and then from $FAKEGO_SPEC, whose entries win. An entry is key=value, or
 * a bare key meaning key=1:
 *
 *   stderr_file=PATH  copy PATH to stderr, as go prints compiler output
 *   stdout_file=PATH  copy PATH to stdout
 *   stderr_text=TEXT  print TEXT to stderr; \n, \t and \\ are decoded
 *   flood=BYTES       print BYTES of compiler-like lines to stderr
 *   sleep_ms=N        sleep N ms after printing
 *   ignore_term       ignore SIGTERM (inherited by the child)
 *   child             fork a child in the same process group that hangs forever
 *   hang              never exit on its own
 *   hold=DIR          after logging, wait until DIR holds a file named after this process's
 *                     pid, or one named "all", before doing anything else: a test sees the
 *                     invocation in the log, does what must happen while the build runs (an
 *                     edit, a second save, a cancellation), then releases the build
 *   signal=N          kill itself with signal N at the end (core dumps off)
 *   status=N          exit status (default 0)
 *   drip_ms=N         print a compiler-like line to stderr every 100 ms for N ms (a slow
 *                     build that keeps talking)
 *   spin_ms=N         first run a child that burns CPU for N ms, silently, while this
 *                     process waits for it (a go command compiling dependencies on a cold
 *                     build cache); the child's argv is "compile -p PKG ..." as go gives
 *                     its compilers
 *   spin_pkg=PKG      the -p of that child (default example.com/dependency)
 *   exec=PATH         after logging, exec PATH with the same arguments (the real go)
 *   match=TEXT        do all of the above only when an argument contains TEXT (e.g. a
 *                     package pattern); otherwise exec otherwise_exec, or exit 0 silently
 *   otherwise_exec=PATH  what runs when match does not
 *
 * Build: cc -O2 -o fakego tests/fakego/fakego.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Largest control file and overlay file read. */
#define FAKEGO_TEXT_MAX (1u << 20)
#define FAKEGO_CHUNK    (1u << 16)
/* How often a held invocation looks for its release file. */
#define FAKEGO_HOLD_POLL_MS 10

struct spec {
    const char *stderr_file;
    const char *stdout_file;
    char *stderr_text;
    unsigned long long flood;
    long sleep_ms;
    long drip_ms;
    long spin_ms;
    const char *spin_pkg;
    bool ignore_term;
    bool child;
    bool hang;
    int signal;
    int status;
    const char *exec;
    const char *hold;
    const char *match;
    const char *otherwise_exec;
};

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(FAKEGO_TEXT_MAX + 1);
    size_t n = buf ? fread(buf, 1, FAKEGO_TEXT_MAX, f) : 0;
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    return buf;
}

static char *decode_escapes(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    char *o = out;
    for (; *s; s++) {
        if (*s != '\\' || s[1] == '\0') {
            *o++ = *s;
            continue;
        }
        s++;
        *o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
    }
    *o = '\0';
    return out;
}

static void set_entry(struct spec *sp, char *key, char *val)
{
    if (strcmp(key, "stderr_file") == 0)
        sp->stderr_file = val;
    else if (strcmp(key, "stdout_file") == 0)
        sp->stdout_file = val;
    else if (strcmp(key, "stderr_text") == 0)
        sp->stderr_text = decode_escapes(val);
    else if (strcmp(key, "flood") == 0)
        sp->flood = strtoull(val, NULL, 10);
    else if (strcmp(key, "sleep_ms") == 0)
        sp->sleep_ms = strtol(val, NULL, 10);
    else if (strcmp(key, "drip_ms") == 0)
        sp->drip_ms = strtol(val, NULL, 10);
    else if (strcmp(key, "spin_ms") == 0)
        sp->spin_ms = strtol(val, NULL, 10);
    else if (strcmp(key, "spin_pkg") == 0)
        sp->spin_pkg = val;
    else if (strcmp(key, "ignore_term") == 0)
        sp->ignore_term = atoi(val) != 0;
    else if (strcmp(key, "child") == 0)
        sp->child = atoi(val) != 0;
    else if (strcmp(key, "hang") == 0)
        sp->hang = atoi(val) != 0;
    else if (strcmp(key, "signal") == 0)
        sp->signal = atoi(val);
    else if (strcmp(key, "status") == 0)
        sp->status = atoi(val);
    else if (strcmp(key, "exec") == 0)
        sp->exec = val;
    else if (strcmp(key, "hold") == 0)
        sp->hold = val;
    else if (strcmp(key, "match") == 0)
        sp->match = val;
    else if (strcmp(key, "otherwise_exec") == 0)
        sp->otherwise_exec = val;
    else
        fprintf(stderr, "fakego: unknown spec entry %s\n", key);
}

/* Parses entries in place; text must outlive the spec. */
static void parse_spec(struct spec *sp, char *text)
{
    char *save = NULL;
    for (char *e = strtok_r(text, "\n;", &save); e != NULL; e = strtok_r(NULL, "\n;", &save)) {
        e += strspn(e, " \t\r");
        if (*e == '\0' || *e == '#')
            continue;
        char *eq = strchr(e, '=');
        static char one[] = "1";
        if (eq != NULL)
            *eq = '\0';
        set_entry(sp, e, eq != NULL ? eq + 1 : one);
    }
}

/* Writes s as a JSON string; bytes that are not printable ASCII become \u00XX. */
static void json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
    if (s == NULL)
        fputs("null", f);
    else
        json_str(f, s, strlen(s));
}

static void log_fds(FILE *f)
{
    DIR *d = opendir("/proc/self/fd");
    int self = d ? dirfd(d) : -1;
    struct dirent *e;
    bool first = true;
    fputs("\"fds\":{", f);
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == self)
            continue;
        char link[300], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        fprintf(f, "%s\"%s\":", first ? "" : ",", e->d_name);
        json_cstr(f, target);
        first = false;
    }
    if (d != NULL)
        closedir(d);
    fputc('}', f);
}

/* The parent's binary and its own parent, where /proc shows them (null elsewhere): the
 * tests check what stands between the server and the go command. */
static void log_parent(FILE *f)
{
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%d/exe", (int)getppid());
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    fputs(",\"parent_exe\":", f);
    json_cstr(f, n > 0 ? target : NULL);
    snprintf(link, sizeof link, "/proc/%d/stat", (int)getppid());
    FILE *st = fopen(link, "r");
    char buf[512] = {0};
    size_t got = st ? fread(buf, 1, sizeof buf - 1, st) : 0;
    if (st)
        fclose(st);
    buf[got] = '\0';
    char *close = strrchr(buf, ')');
    int pp = -1;
    char state;
    if (close == NULL || sscanf(close + 1, " %c %d", &state, &pp) != 2)
        pp = -1;
    fprintf(f, ",\"parent_ppid\":%d", pp);
}

static void log_mode(FILE *f, const char *key, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(f, ",\"%s\":null", key);
        return;
    }
    fprintf(f, ",\"%s\":{\"mode\":%u,\"uid\":%u}", key, (unsigned)(st.st_mode & 07777),
            (unsigned)st.st_uid);
}

/* The -overlay file the go command was given: its directory's modes and its content. */
static void log_overlay(FILE *f, int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "-overlay=", 9) == 0)
            path = argv[i] + 9;
    if (path == NULL) {
        fputs(",\"overlay\":null", f);
        return;
    }
    char *dir = strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    char *parent = strdup(dir);
    slash = strrchr(parent, '/');
    if (slash != NULL)
        *slash = '\0';
    fputs(",\"overlay\":{\"path\":", f);
    json_cstr(f, path);
    fputs(",\"content\":", f);
    char *content = read_text(path);
    json_cstr(f, content);
    log_mode(f, "file", path);
    log_mode(f, "dir", dir);
    log_mode(f, "parent", parent);
    fputc('}', f);
    free(content);
    free(dir);
    free(parent);
}

static void write_log(int argc, char **argv, pid_t child, const struct spec *sp)
{
    const char *path = getenv("FAKEGO_LOG");
    if (path == NULL || *path == '\0')
        return;
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
        cwd[0] = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(f, "{\"pid\":%d,\"ppid\":%d,\"pgid\":%d,\"sid\":%d,\"child\":%d,\"time\":%.3f,",
            (int)getpid(), (int)getppid(), (int)getpgrp(), (int)getsid(0), (int)child,
            (double)ts.tv_sec + ts.tv_nsec / 1e9);
    fputs("\"argv\":[", f);
    for (int i = 0; i < argc; i++) {
        if (i > 0)
            fputc(',', f);
        json_cstr(f, argv[i]);
    }
    fputs("],\"cwd\":", f);
    json_cstr(f, cwd);
    fputs(",\"env\":{", f);
    bool first = true;
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "GO", 2) != 0 && strncmp(*e, "FAKEGO", 6) != 0 &&
            strncmp(*e, "PWD=", 4) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (eq == NULL)
            continue;
        fputs(first ? "" : ",", f);
        json_str(f, *e, (size_t)(eq - *e));
        fputc(':', f);
        json_cstr(f, eq + 1);
        first = false;
    }
    fputs("},", f);
    log_fds(f);
    log_parent(f);
    log_overlay(f, argc, argv);
    fprintf(f, ",\"exec\":");
    json_cstr(f, sp->exec);
    fputs("}\n", f);
    fclose(f);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, line, len);
        (void)w;
        close(fd);
    }
    free(line);
}

static void copy_file(const char *path, int out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dprintf(2, "fakego: cannot open %s: %s\n", path, strerror(errno));
        exit(3);
    }
    char buf[FAKEGO_CHUNK];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                exit(4);
            off += w;
        }
    }
    close(fd);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            exit(4);
        p += w;
        n -= (size_t)w;
    }
}

/* Lines shaped like compiler output, so a parser that keeps going has work to do. */
static void flood(unsigned long long bytes)
{
    static char chunk[FAKEGO_CHUNK];
    size_t used = 0;
    for (unsigned i = 0; used + 128 < sizeof chunk; i++)
        used += (size_t)snprintf(chunk + used, sizeof chunk - used,
                                 "./flood.go:%u:%u: flooding line %u escapes to heap\n", i + 1,
                                 i % 80 + 1, i);
    while (bytes > 0) {
        size_t n = bytes < used ? (size_t)bytes : used;
        write_all(2, chunk, n);
        bytes -= n;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool has_arg(int argc, char **argv, const char *text)
{
    for (int i = 1; i < argc; i++)
        if (strstr(argv[i], text) != NULL)
            return true;
    return false;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The "compile" child of spin_ms: burns CPU for the given time and exits. */
static int spin(const char *arg)
{
    double end = now_ms() + strtod(arg, NULL);
    volatile unsigned long x = 0;
    while (now_ms() < end)
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
    return 0;
}

/* Runs a child that looks like go's compiler for pkg and burns CPU for ms, and waits for it
 * without using any CPU itself. */
static void spin_child(long ms, const char *pkg)
{
    char arg[64];
    snprintf(arg, sizeof arg, "-fakego-spin=%ld", ms);
    pid_t pid = fork();
    if (pid == 0) {
        char *args[] = {"compile", "-o", "/dev/null", "-p", (char *)pkg, arg, NULL};
        execv("/proc/self/exe", args);
        _exit(6);
    }
    int status;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
}

static void drip(long ms)
{
    double end = now_ms() + (double)ms;
    for (unsigned i = 1; now_ms() < end; i++) {
        dprintf(2, "./drip.go:%u:2: still compiling, line %u\n", i, i);
        sleep_ms(100);
    }
}

/* Polls for DIR/<pid> or DIR/all; the test creates one to let this invocation go on. */
static void hold_until_released(const char *dir)
{
    char mine[PATH_MAX], all[PATH_MAX];
    snprintf(mine, sizeof mine, "%s/%d", dir, (int)getpid());
    snprintf(all, sizeof all, "%s/all", dir);
    while (access(mine, F_OK) != 0 && access(all, F_OK) != 0)
        sleep_ms(FAKEGO_HOLD_POLL_MS);
}

static void hang_forever(void)
{
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    if (argc > 5 && strncmp(argv[5], "-fakego-spin=", 13) == 0)
        return spin(argv[5] + 13);
    struct spec sp = {0};
    const char *control = getenv("FAKEGO_CONTROL");
    char *control_text = control && *control ? read_text(control) : NULL;
    if (control_text != NULL)
        parse_spec(&sp, control_text);
    char *env_text = getenv("FAKEGO_SPEC") ? strdup(getenv("FAKEGO_SPEC")) : NULL;
    if (env_text != NULL)
        parse_spec(&sp, env_text);

    if (sp.match != NULL && !has_arg(argc, argv, sp.match)) {
        /* Not the package under test: behave like a healthy go command. */
        struct spec healthy = {.exec = sp.otherwise_exec};
        sp = healthy;
    }
    if (sp.ignore_term)
        signal(SIGTERM, SIG_IGN);
    pid_t child = 0;
    if (sp.child) {
        child = fork();
        if (child == 0)
            hang_forever();
    }
    write_log(argc, argv, child, &sp);
    if (sp.hold != NULL)
        hold_until_released(sp.hold);
    if (sp.spin_ms > 0)
        spin_child(sp.spin_ms, sp.spin_pkg ? sp.spin_pkg : "example.com/dependency");
    if (sp.drip_ms > 0)
        drip(sp.drip_ms);
    if (sp.exec != NULL) {
        argv[0] = (char *)sp.exec;
        execv(sp.exec, argv);
        dprintf(2, "fakego: cannot exec %s: %s\n", sp.exec, strerror(errno));
        return 5;
    }
    if (sp.stdout_file != NULL)
        copy_file(sp.stdout_file, 1);
    if (sp.stderr_file != NULL)
        copy_file(sp.stderr_file, 2);
    if (sp.stderr_text != NULL)
        write_all(2, sp.stderr_text, strlen(sp.stderr_text));
    if (sp.flood > 0)
        flood(sp.flood);
    if (sp.sleep_ms > 0)
        sleep_ms(sp.sleep_ms);
    if (sp.hang)
        hang_forever();
    if (sp.signal > 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        signal(sp.signal, SIG_DFL);
        raise(sp.signal);
        kill(getpid(), SIGKILL);
    }
    return sp.status;
}
