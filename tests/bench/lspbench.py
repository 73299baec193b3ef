#!/usr/bin/env python3
"""goescape's benchmarks: every figure of the performance targets, measured side by side.

The machine is shared and noisy, so each figure is a ratio against a reference measured in the
same run, interleaved with it and repeated, and reported as the median. The reference is the
same go command run by hand on the same kind of edit, gopls on the same edit, a plain memchr
line count, or the server's own state before a burst.

Usage: lspbench.py --build-dir DIR --cache DIR --goroot COPY --gopls BIN --module COPY
                   --out results.json [figure ...]
       lspbench.py report results.json [--previous older.json] --md docs/benchmarks.md
       lspbench.py compare first.json second.json

Figures: parse, latency, burst, many, startup, load, check, quiet, companion (default: all).
"""

import argparse
import datetime
import glob
import gzip
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp import Client, diagnostics_waiter, now, path_uri, publish_filter  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GOPLS_SOURCE = "optimizer details"
QUICK = os.environ.get("GOESCAPE_BENCH_QUICK") == "1"


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def loadavg():
    """The 1, 5 and 15 minute load averages, as the kernel reports them."""
    try:
        return " ".join(read("/proc/loadavg").split()[:3])
    except OSError:
        return ""


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class Bench:
    def __init__(self, a):
        self.build = os.path.abspath(a.build_dir)
        self.goescape = os.path.join(self.build, "goescape")
        self.bench_parse = os.path.join(self.build, "bench", "bench_parse")
        self.cache = os.path.abspath(a.cache)
        self.goroot = os.path.abspath(a.goroot)
        self.pristine_goroot = os.path.abspath(a.pristine_goroot)
        self.gopls = a.gopls
        self.module = os.path.abspath(a.module)
        self.out = a.out
        self.work = os.path.join(self.cache, "work")
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs, exist_ok=True)
        # Identifiers in the edits are new in every run, so no edit ever hits the build cache.
        self.nonce = "%x" % random.getrandbits(40)
        self.k = 0
        self.results = {}
        self.notes = []
        self.loadavg_start = loadavg()
        # The tree as it was built, before anything else could change it.
        self.commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                     capture_output=True, text=True).stdout.strip()
        self.env = self.bench_env()
        self.gowrap = self.make_wrapper()

    # environment

    def bench_env(self):
        env = dict(os.environ)
        env["PATH"] = os.path.join(self.goroot, "bin") + os.pathsep + env.get("PATH", "")
        env["GOROOT"] = self.goroot
        env["GOCACHE"] = os.path.join(self.cache, "gocache")
        env["GOMODCACHE"] = os.path.join(self.cache, "gomod")
        env["GOPATH"] = os.path.join(self.cache, "gopath")
        env["GOPLSCACHE"] = os.path.join(self.cache, "gopls-cache")
        env["GOTOOLCHAIN"] = "local"
        env["GOPROXY"] = "off"
        env["GOWORK"] = "off"
        env.pop("GOESCAPE_BENCH_GOLOG", None)
        return env

    def make_wrapper(self):
        """A go that logs each call (directory and arguments) and then runs the real one."""
        d = os.path.join(self.work, "bin")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "go")
        real = os.path.join(self.goroot, "bin", "go")
        write(path, "#!/bin/sh\n"
              "# Logs each call, one line: the directory, then each argument after a \\037.\n"
              "{ printf '%%s' \"$PWD\"; for a; do printf '\\037%%s' \"$a\"; done; printf '\\n'; }"
              " >>\"${GOESCAPE_BENCH_GOLOG:-/dev/null}\"\n"
              "exec '%s' \"$@\"\n" % real)
        os.chmod(path, 0o755)
        return path

    def golog_calls(self, path):
        """The calls a wrapper log holds: [(cwd, [args])]."""
        if not os.path.exists(path):
            return []
        calls = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\037")
                calls.append((parts[0], parts[1:]))
        return calls

    def goescape_client(self, tag, root, settings, golog=None):
        env = dict(self.env)
        if golog is not None:
            env["GOESCAPE_BENCH_GOLOG"] = golog
        s = {"goBinary": self.gowrap}
        s.update(settings)
        extra = os.environ.get("GOESCAPE_BENCH_SERVER_ARGS", "").split()
        c = Client("goescape-" + tag, [self.goescape] + extra, env=env, cwd=root,
                   log_path=os.path.join(self.logs, "goescape-%s.log" % tag),
                   settings=s, config_section="goescape").start()
        c.initialize(root, {"goescape": s})
        return c

    def gopls_client(self, tag, root):
        c = Client("gopls-" + tag, [self.gopls, "serve"], env=self.env, cwd=root,
                   log_path=os.path.join(self.logs, "gopls-%s.log" % tag),
                   settings={}, config_section="gopls").start()
        res = c.initialize(root, {}, timeout=300)
        c.commands = ((res or {}).get("capabilities", {}).get("executeCommandProvider") or {}).get(
            "commands", [])
        return c

    def put(self, name, value, fmt="%.3f"):
        if value is None:
            self.results[name] = None
            log("%s=n/a" % name)
            return
        if isinstance(value, float):
            value = float(fmt % value)
        self.results[name] = value
        log("%s=%s" % (name, value))

    # 1. parse throughput

    def fig_parse(self):
        if not os.access(self.bench_parse, os.X_OK):
            self.notes.append("bench_parse was not built; the parse throughput is missing.")
            log("no %s; skipping parse throughput" % self.bench_parse)
            return
        recs = {
            "go126_nethttp": os.path.join(REPO, "tests/fixtures/recordings/go126_nethttp_m2.stderr.gz"),
            "go119_nethttp": os.path.join(REPO, "tests/fixtures/go1.19/go119_nethttp_m2_run1.stderr.gz"),
        }
        d = os.path.join(self.work, "recordings")
        os.makedirs(d, exist_ok=True)
        files = []
        for name, gz in recs.items():
            if not os.path.exists(gz):
                continue
            plain = os.path.join(d, name + ".stderr")  # bench_parse names it go126_nethttp
            with gzip.open(gz, "rb") as src:
                data = src.read()
            with open(plain, "wb") as dst:
                dst.write(data)
            files.append(plain)
        samples = {}
        reps = 3 if QUICK else 5
        for r in range(reps):
            # Alternate the order of the files so neither always runs on a cold cache.
            order = files if r % 2 == 0 else list(reversed(files))
            p = subprocess.run([self.bench_parse] + order, capture_output=True, text=True,
                               env=self.env, timeout=600)
            if p.returncode != 0:
                self.notes.append("bench_parse failed: %s" % p.stderr.strip()[:300])
                return
            for line in p.stdout.splitlines():
                m = re.match(r"^(parse_mbps|memchr_mbps)_(\S+?)=([0-9.]+)", line.strip())
                if m:
                    samples.setdefault((m.group(1), m.group(2)), []).append(float(m.group(3)))
        for (kind, name), xs in sorted(samples.items()):
            self.put("%s_%s" % (kind, name), median(xs), "%.1f")
        for (kind, name), xs in sorted(samples.items()):
            if kind == "parse_mbps" and ("memchr_mbps", name) in samples:
                self.put("parse_vs_memchr_%s" % name,
                         median(xs) / median(samples[("memchr_mbps", name)]), "%.4f")

    # 2-4. save latency, gopls, memory, responsiveness

    def edit_line(self, k):
        v = "v_%s_%d" % (self.nonce, k)
        return v, "func goescapeBench_%s_%d() *int { %s := %d; return &%s }\n" % (
            self.nonce, k, v, k, v)

    def next_edit(self):
        self.k += 1
        return self.edit_line(self.k)

    @staticmethod
    def has_name(name, source=None):
        pat = re.compile(r"\b%s\b" % re.escape(name))

        def pred(diags):
            return any(pat.search(d.get("message", "")) and
                       (source is None or d.get("source") == source) for d in diags)
        return pred

    def server_save(self, c, doc, source, also=()):
        """One-line edit, written to disk, then didChange and didSave together (sent first to
        the clients in also, as an editor sends them to each of its servers). Returns the
        time from the edit to the publishDiagnostics of c that shows it, in ms, that message,
        and for goescape the time to its idle status (every file published, test files
        included), in ms."""
        name, line = self.next_edit()
        write(doc["path"], doc["orig"] + line)

        def frames(x):
            doc["version"][x.name] = doc["version"].get(x.name, 1) + 1
            return (x.did_change_frame(doc["path"], doc["version"][x.name], doc["nlines"],
                                       doc["nlines"] + 1, line) + x.did_save_frame(doc["path"]))
        for x in also:
            x.write_raw(frames(x))
        mine = frames(c)
        start = c.note_count()
        t0 = c.write_raw(mine)
        _, msg = c.wait_note(diagnostics_waiter(doc["uri"], self.has_name(name, source)),
                             start=start, timeout=600, raw_filter=publish_filter(doc["uri"]))
        full = None
        if source == "goescape":
            # The next measurement starts on a quiet machine.
            full = (self.wait_idle(c, start) - t0) * 1000.0
        return (msg.t - t0) * 1000.0, msg, full

    def hand_run(self, call, doc):
        """The go command goescape ran, run by hand after the same kind of edit. ms."""
        name, line = self.next_edit()
        write(doc["path"], doc["orig"] + line)
        cwd, args = call
        env = dict(self.env)
        t0 = now()
        p = subprocess.run([self.gowrap] + args, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=900)
        t1 = now()
        if p.returncode != 0:
            raise RuntimeError("go command failed: %s\n%s" % (" ".join(args), p.stderr[-2000:]))
        if name.encode() not in p.stderr:
            raise RuntimeError("the go command did not compile the edit (cache hit?)")
        return (t1 - t0) * 1000.0

    @staticmethod
    def go_ms_since(logpath, offset):
        """The first 'go command finished in N ms' the server logged after offset: the run
        whose diagnostics were timed (a quick pass, when one ran)."""
        with open(logpath, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        ms = re.findall(r"go command finished in (\d+) ms", text)
        return float(ms[0]) if ms else None

    def open_doc(self, c, doc, wait_source=None, timeout=600):
        start = c.note_count()
        c.did_open(doc["path"], doc["orig"] + doc["base_line"])
        doc["version"][c.name] = 1
        pred = (lambda d: True) if wait_source is None else (
            lambda d: any(x.get("source") == wait_source for x in d))
        _, msg = c.wait_note(diagnostics_waiter(doc["uri"], pred), start=start, timeout=timeout,
                             raw_filter=publish_filter(doc["uri"]))
        return msg

    def gopls_details_on(self, g, doc):
        """Turns on compiler optimization details for the document's directory: through the
        source.toggleCompilerOptDetails code action when gopls offers it, else the
        gopls.gc_details command."""
        cmd = None
        try:
            acts = g.request("textDocument/codeAction", {
                "textDocument": {"uri": doc["uri"]},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": [], "only": ["source.toggleCompilerOptDetails"]},
            }, timeout=600) or []
            for a in acts:
                if a.get("kind") == "source.toggleCompilerOptDetails":
                    cmd = a.get("command")
                    if isinstance(cmd, dict) and "command" not in cmd:
                        cmd = None
                    break
        except Exception as e:  # noqa: BLE001
            log("gopls code action failed: %s" % e)
        if cmd is None:
            cmd = {"command": "gopls.gc_details", "arguments": [doc["uri"]]}
        self.meta_gopls_command = cmd["command"]
        start = g.note_count()
        g.request("workspace/executeCommand", {"command": cmd["command"],
                                               "arguments": cmd.get("arguments", [])},
                  timeout=600)
        g.wait_note(diagnostics_waiter(doc["uri"], lambda d: any(
            x.get("source") == GOPLS_SOURCE for x in d)), start=start, timeout=900,
            raw_filter=publish_filter(doc["uri"]))

    def package_doc(self, key, root, path, pristine):
        orig = read(pristine)
        if not orig.endswith("\n"):
            orig += "\n"
        _, base = self.edit_line(0)
        return {"key": key, "root": root, "path": path, "uri": path_uri(path), "orig": orig,
                "pristine": pristine, "nlines": orig.count("\n"), "base_line": base,
                "version": {}}

    def restore(self, doc):
        shutil.copyfile(doc["pristine"], doc["path"])

    def fig_latency_package(self, doc, reps, gopls_too, responsiveness=False):
        key = doc["key"]
        log("save latency: %s (%s), %d rounds" % (key, os.path.relpath(doc["path"], doc["root"]),
                                                   reps))
        glog_t = os.path.join(self.logs, "golog-%s-tests" % key)
        glog_b = os.path.join(self.logs, "golog-%s-build" % key)
        for p in (glog_t, glog_b):
            if os.path.exists(p):
                os.remove(p)
        clients = []
        try:
            write(doc["path"], doc["orig"] + doc["base_line"])
            ge_t = self.goescape_client(key + "-tests", doc["root"],
                                        {"includeTests": True, "diagnosticsScope": "package"},
                                        glog_t)
            clients.append(ge_t)
            self.open_doc(ge_t, doc)
            ge_b = self.goescape_client(key + "-build", doc["root"], {"includeTests": False},
                                        glog_b)
            clients.append(ge_b)
            self.open_doc(ge_b, doc)
            g = None
            if gopls_too:
                g = self.gopls_client(key, doc["root"])
                clients.append(g)
                self.open_doc(g, doc, timeout=900)
                self.gopls_details_on(g, doc)
            # With tests included, a lone save of a package file is answered by a quick pass
            # (go build) before the full go test -c. Each round notes which command produced
            # the diagnostics, so the ratio divides by that same command run by hand.
            quick, full_ms = [], []

            def ge_tests_save():
                n0 = len(self.golog_calls(glog_t))
                ms, _, full = self.server_save(ge_t, doc, "goescape")
                calls = self.golog_calls(glog_t)[n0:]
                quick.append(bool(calls) and calls[0][1][:1] == ["build"])
                full_ms.append(full)
                return ms

            tools = {
                "goescape_tests": ge_tests_save,
                "go_tests": lambda: self.hand_run(self.golog_calls(glog_t)[-1], doc),
                "goescape_build": lambda: self.server_save(ge_b, doc, "goescape")[0],
                "go_build": lambda: self.hand_run(self.golog_calls(glog_b)[-1], doc),
            }
            if g is not None:
                tools["gopls"] = lambda: self.server_save(g, doc, GOPLS_SOURCE)[0]
            order = list(tools)
            samples = {name: [] for name in order}
            go_ms = {"goescape_tests": [], "goescape_build": []}
            logs = {"goescape_tests": ge_t.log_path, "goescape_build": ge_b.log_path}
            for r in range(reps):
                rot = order[r % len(order):] + order[:r % len(order)]
                for name in rot:
                    off = os.path.getsize(logs[name]) if name in logs else 0
                    time.sleep(0.3)
                    # gopls keeps type-checking for seconds after it publishes; no sample may
                    # share the CPU with that (goescape's compiler runs at a lower priority,
                    # so it would pay for it more than the hand-run command does).
                    wait_cpu_quiet(clients)
                    ms = tools[name]()
                    samples[name].append(ms)
                    if name in logs:
                        go_ms[name].append(self.go_ms_since(logs[name], off))
                    log("  round %d %s: %.0f ms" % (r + 1, name, ms))
            for mode in ("tests", "build"):
                ge = samples["goescape_" + mode]
                go = samples["go_" + mode]
                if mode == "tests":
                    go = [b if q else t for q, b, t in zip(quick, samples["go_build"], go)]
                    self.put("save_quick_rounds_%s" % key, sum(quick), "%d")
                    self.put("save_full_ms_goescape_%s_tests" % key, median(full_ms), "%.0f")
                    self.put("save_full_ratio_%s_tests" % key, median(
                        [f / (b + t) if q else f / t for f, q, b, t in
                         zip(full_ms, quick, samples["go_build"], samples["go_tests"])]))
                self.put("save_ms_goescape_%s_%s" % (key, mode), median(ge), "%.0f")
                self.put("save_ms_go_%s_%s" % (key, mode), median(go), "%.0f")
                self.put("save_ratio_%s_%s" % (key, mode),
                         median([a / b for a, b in zip(ge, go)]))
                gm = go_ms["goescape_" + mode]
                self.put("save_overhead_ms_%s_%s" % (key, mode),
                         median([a - b for a, b in zip(ge, gm) if b is not None]), "%.0f")
            if g is not None:
                gp = samples["gopls"]
                self.put("save_ms_gopls_%s" % key, median(gp), "%.0f")
                self.put("gopls_ratio_%s" % key,
                         median([a / b for a, b in zip(samples["goescape_tests"], gp)]))
            if responsiveness:
                self.responsiveness(ge_t, doc)
            self.put("rss_mb_goescape_%s_tests" % key, ge_t.proc_status("VmHWM") / 1024.0, "%.1f")
            self.put("rss_mb_goescape_%s_build" % key, ge_b.proc_status("VmHWM") / 1024.0, "%.1f")
            if g is not None:
                self.put("rss_mb_gopls_%s" % key, g.proc_status("VmHWM") / 1024.0, "%.1f")
            if key == "json":
                self.burst(ge_t, doc, glog_t)
        finally:
            for c in clients:
                c.stop()
            self.restore(doc)

    def request_load(self, c, doc, positions, until, period=0.005):
        """Sends hover and inlayHint requests alternately every period seconds, without
        waiting for answers, until until() is true. Returns {method: [ms]}."""
        sent = []
        i = 0
        t_next = now()
        while not until():
            pos = positions[i % len(positions)]
            if i % 2 == 0:
                method, params = "textDocument/hover", {
                    "textDocument": {"uri": doc["uri"]}, "position": pos}
            else:
                method, params = "textDocument/inlayHint", {
                    "textDocument": {"uri": doc["uri"]},
                    "range": {"start": {"line": max(0, pos["line"] - 60), "character": 0},
                              "end": {"line": pos["line"] + 60, "character": 0}}}
            rid, t = c.send_request(method, params)
            sent.append((method, rid, t))
            i += 1
            t_next += period
            delay = t_next - now()
            if delay > 0:
                time.sleep(delay)
        out = {"textDocument/hover": [], "textDocument/inlayHint": []}
        for method, rid, t in sent:
            t_recv, resp = c.wait_response(rid, timeout=120)
            if "error" in resp:
                raise RuntimeError("%s failed: %s" % (method, resp["error"]))
            out[method].append((t_recv - t) * 1000.0)
        return out

    @staticmethod
    def wait_idle(c, start, timeout=600):
        """Waits for goescape/status "idle" from index start on: the analysis is fully
        applied and published."""
        _, msg = c.wait_note(lambda o: o.get("method") == "goescape/status" and
                             (o.get("params") or {}).get("state") == "idle", start=start,
                             timeout=timeout, raw_filter=lambda raw: b"goescape/status" in raw)
        time.sleep(0.5)
        return msg.t

    def responsiveness(self, c, doc):
        """Hover and inlayHint latency while goescape analyzes the package, with the same load
        on an idle server as the reference."""
        _, msg, _ = self.server_save(c, doc, "goescape")
        positions = [d["range"]["start"] for d in msg.obj["params"]["diagnostics"]] or [
            {"line": 10, "character": 4}]
        random.Random(1).shuffle(positions)
        log("responsiveness: %d hover positions" % len(positions))
        t_end = now() + 2.0
        idle = self.request_load(c, doc, positions, lambda: now() > t_end)
        name, line = self.next_edit()
        write(doc["path"], doc["orig"] + line)
        doc["version"][c.name] += 1
        start = c.note_count()
        c.write_raw(c.did_change_frame(doc["path"], doc["version"][c.name], doc["nlines"],
                                       doc["nlines"] + 1, line) + c.did_save_frame(doc["path"]))
        state = {"done_at": None}
        match = diagnostics_waiter(doc["uri"], self.has_name(name, "goescape"))
        filt = publish_filter(doc["uri"])

        def until():
            if state["done_at"] is None:
                with c._cond:
                    batch = c.notes[start:]
                for m in batch:
                    if filt(m.raw) and match(m.obj):
                        state["done_at"] = now()
                        break
                return False
            return now() > state["done_at"] + 0.5  # past the publish, refreshes included

        busy = self.request_load(c, doc, positions, until)
        for method, key in (("textDocument/hover", "hover"), ("textDocument/inlayHint", "inlay")):
            self.put("%s_p99_ms_compile" % key, percentile(busy[method], 99), "%.2f")
            self.put("%s_max_ms_compile" % key, max(busy[method]), "%.2f")
            self.put("%s_p99_ms_idle" % key, percentile(idle[method], 99), "%.2f")
            self.put("%s_samples_compile" % key, len(busy[method]))

    def burst(self, c, doc, glog):
        """20 saves within 2 s on one package."""
        log("burst: 20 saves in 2 s on %s" % doc["key"])
        time.sleep(1.0)
        before = len(self.golog_calls(glog))
        start = c.note_count()
        names = []
        t0 = now()
        for j in range(20):
            while now() < t0 + j * 0.1:
                time.sleep(0.002)
            name, line = self.next_edit()
            names.append(name)
            write(doc["path"], doc["orig"] + line)
            doc["version"][c.name] += 1
            c.write_raw(c.did_change_frame(doc["path"], doc["version"][c.name], doc["nlines"],
                                           doc["nlines"] + 1, line) + c.did_save_frame(doc["path"]))
        c.wait_note(diagnostics_waiter(doc["uri"], self.has_name(names[-1], "goescape")),
                    start=start, timeout=600, raw_filter=publish_filter(doc["uri"]))
        time.sleep(3.0)  # anything still running would show up here
        runs = len(self.golog_calls(glog)) - before
        filt = publish_filter(doc["uri"])
        with c._cond:
            pubs = [m for m in c.notes[start:] if filt(m.raw)]
        last = pubs[-1].obj["params"]["diagnostics"]
        ok = self.has_name(names[-1])(last) and not any(self.has_name(n)(last) for n in names[:-1])
        # A fresh analysis of the same text must give the same list: goescape publishes only
        # what differs, so any new publish must equal the last one.
        mark = c.note_count()
        c.request("workspace/executeCommand", {"command": "goescape.analyze",
                                               "arguments": [doc["uri"]]}, timeout=600)
        time.sleep(0.5)
        with c._cond:
            later = [m for m in c.notes[mark:] if filt(m.raw)]
        if later:
            key = lambda d: json.dumps(d, sort_keys=True)  # noqa: E731
            ok = ok and sorted(map(key, later[-1].obj["params"]["diagnostics"])) == sorted(
                map(key, last))
        self.put("burst_go_runs", runs)
        self.put("burst_final_matches", 1 if ok else 0)

    def fig_latency(self, only=None):
        ex_src = os.path.join(REPO, "examples")
        ex = os.path.join(self.work, "examples")
        shutil.rmtree(ex, ignore_errors=True)
        shutil.copytree(ex_src, ex)
        pristine_root = self.pristine_goroot
        src = os.path.join(self.goroot, "src")
        docs = [
            (self.package_doc("examples", ex, os.path.join(ex, "escapes.go"),
                              os.path.join(ex_src, "escapes.go")), 3 if QUICK else 7),
            (self.package_doc("json", src, os.path.join(src, "encoding/json/encode.go"),
                              os.path.join(pristine_root, "src/encoding/json/encode.go")),
             2 if QUICK else 7),
            # Not server.go: gopls stops reading the compiler's details for that file partway
            # (its -json log does not decode to the end), so it never shows an edit there.
            (self.package_doc("nethttp", src, os.path.join(src, "net/http/header.go"),
                              os.path.join(pristine_root, "src/net/http/header.go")),
             1 if QUICK else 5),
        ]
        for doc, reps in docs:
            if only and doc["key"] not in only:
                continue
            self.fig_latency_package(doc, reps, gopls_too=True,
                                     responsiveness=doc["key"] == "nethttp")

    # 6. many packages

    def module_packages(self):
        """Packages of the third-party module that build: [(import path, dir, [go files])]."""
        p = subprocess.run([os.path.join(self.goroot, "bin", "go"), "list", "-e", "-json=ImportPath,Dir,Name,GoFiles,TestGoFiles,XTestGoFiles,Error,DepsErrors,CgoFiles",
                            "./..."], cwd=self.module, env=self.env, capture_output=True,
                           text=True, timeout=600)
        dec = json.JSONDecoder()
        text = p.stdout
        i = 0
        pkgs = []
        while i < len(text):
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                break
            obj, i = dec.raw_decode(text, i)
            if obj.get("Error") or obj.get("DepsErrors") or obj.get("CgoFiles"):
                continue
            if not obj.get("GoFiles"):
                continue
            pkgs.append((obj["ImportPath"], obj["Dir"], sorted(obj["GoFiles"]),
                         sorted((obj.get("TestGoFiles") or []) + (obj.get("XTestGoFiles") or []))))
        pkgs.sort()
        return pkgs

    def fresh_module(self):
        """The module copy, back to its pristine state (same path, so the build cache hits)."""
        pristine = self.module + ".pristine"
        subprocess.run(["rm", "-rf", self.module], check=True)
        subprocess.run(["cp", "-a", pristine, self.module], check=True)

    def open_many(self, tag, chosen, include_tests, glog):
        """A fresh goescape opens one file of each package at once. Returns (ms, runs)."""
        if os.path.exists(glog):
            os.remove(glog)
        c = self.goescape_client(tag, self.module, {"includeTests": include_tests,
                                                    "diagnosticsScope": "package"}, glog)
        try:
            frames = b""
            uris = []
            for _, d, files, _ in chosen:
                path = os.path.join(d, files[0])
                frames += c.did_open_frame(path, read(path))
                uris.append(path_uri(path))
            start = c.note_count()
            t0 = c.write_raw(frames)
            last = t0
            for uri in uris:
                _, msg = c.wait_note(diagnostics_waiter(uri, lambda d: True), start=start,
                                     timeout=900, raw_filter=publish_filter(uri))
                last = max(last, msg.t)
            return (last - t0) * 1000.0, len(self.golog_calls(glog))
        finally:
            c.stop()

    def fig_many(self):
        self.fresh_module()
        pkgs = self.module_packages()
        if len(pkgs) < 30:
            self.notes.append("the module has only %d buildable packages" % len(pkgs))
            return
        # 30 packages spread over the whole module.
        step = len(pkgs) / 30.0
        chosen = [pkgs[int(i * step)] for i in range(30)]
        self.results_meta_many = [p[0] for p in chosen]
        log("many packages: 30 of %d packages in %s" % (len(pkgs), self.module))
        for mode, tests in (("build", False), ("tests", True)):
            reps = 2 if QUICK else (5 if mode == "build" else 3)
            glog = os.path.join(self.logs, "golog-many-%s" % mode)
            # Warm-up, which also shows the flags goescape uses.
            ms, runs = self.open_many("many-" + mode, chosen, tests, glog)
            log("  warm-up goescape (%s): %.0f ms, %d go runs" % (mode, ms, runs))
            cwd, args = self.golog_calls(glog)[0]
            flags = [a for a in args if not a.startswith(".")]
            pats = ["./" + os.path.relpath(d, self.module) for _, d, _, _ in chosen]
            ref = (self.module, flags + pats)
            log("  reference: go %s" % " ".join(flags + ["<30 packages>"]))

            def hand():
                t0 = now()
                p = subprocess.run([self.gowrap] + ref[1], cwd=ref[0], env=self.env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   timeout=900)
                if p.returncode != 0:
                    raise RuntimeError("reference go command failed")
                return (now() - t0) * 1000.0
            hand()
            ge, go, nruns = [], [], []
            for r in range(reps):
                steps = [("go", hand), ("ge", lambda: self.open_many("many-" + mode, chosen,
                                                                     tests, glog))]
                if r % 2:
                    steps.reverse()
                for what, fn in steps:
                    time.sleep(0.3)
                    if what == "go":
                        go.append(fn())
                    else:
                        ms, runs = fn()
                        ge.append(ms)
                        nruns.append(runs)
                log("  round %d: goescape %.0f ms (%d go runs), go %.0f ms" % (
                    r + 1, ge[-1], nruns[-1], go[-1]))
            self.put("many_ms_goescape_%s" % mode, median(ge), "%.0f")
            self.put("many_ms_go_%s" % mode, median(go), "%.0f")
            self.put("many_ratio_%s" % mode, median([a / b for a, b in zip(ge, go)]))
            self.put("many_go_runs_%s" % mode, max(nruns))

    # 7. startup

    def fig_startup(self):
        init = Client.frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": path_uri(self.work),
            "capabilities": {}}})

        def once(argv):
            t0 = now()
            p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, bufsize=0, env=self.env,
                                 cwd=self.work)
            os.write(p.stdin.fileno(), init)
            buf = b""
            while True:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError("%s closed its output" % argv[0])
                buf += chunk
                h = buf.find(b"\r\n\r\n")
                if h >= 0:
                    n = int(re.search(rb"Content-Length:\s*(\d+)", buf[:h], re.I).group(1))
                    if len(buf) >= h + 4 + n:
                        break
            t1 = now()
            p.stdin.close()
            p.wait(timeout=10)
            p.stdout.close()
            return (t1 - t0) * 1000.0

        ge, floor = [], []
        cat = shutil.which("cat")
        for r in range(10 if QUICK else 40):
            ge.append(once([self.goescape]))
            floor.append(once([cat]))
        self.put("startup_ms", median(ge), "%.2f")
        self.put("startup_floor_ms", median(floor), "%.2f")
        self.put("startup_p90_ms", percentile(ge, 90), "%.2f")

    # goescape check: the command line's memory and time

    def fig_check(self):
        import checkbench
        res = checkbench.figures(self.goescape, os.path.join(self.goroot, "bin", "go"),
                                 self.gowrap, self.env, self.work, 1 if QUICK else 3)
        for name, value in sorted(res.items()):
            self.put(name, value, "%.3f" if "ratio" in name else "%.1f")

    # companion mode (companionbench.py)

    def fig_companion(self):
        import companionbench
        res = companionbench.run(self, percentile, median, wait_cpu_quiet, log, QUICK)
        for name, value in sorted(res.items()):
            self.put(name, value, "%.3f" if "ratio" in name or "_ms_" in name else "%.1f")

    # what a user sees on a third-party module: how much is static, and how quiet the editor is

    def fig_quiet(self):
        """On gin with tests: the share of the compiler's heap-escape lines that goescape
        classifies as static (no allocation), from goescape check --all; and the diagnostics
        the client holds with one file (gin.go) open, after the analysis: with the default
        settings, and with the whole package and every category shown (what the client got
        before diagnostics followed the open documents and constants became static)."""
        import checkbench
        go = os.path.join(self.goroot, "bin", "go")
        root = checkbench.prepare_module(go, self.env, self.work, "github.com/gin-gonic/gin",
                                         os.environ.get("GOESCAPE_BENCH_GIN_VERSION", "v1.10.0"))
        out = subprocess.run([self.goescape, "check", "--all", "--format", "json", "."],
                             cwd=root, env=self.env, capture_output=True, text=True)
        cats = {}
        for f in json.loads(out.stdout)["findings"]:
            cats[f["category"]] = cats.get(f["category"], 0) + 1
        escapes = sum(n for c, n in cats.items() if c not in ("param", "noescape"))
        self.put("quiet_static_share_gin", 100.0 * cats.get("static", 0) / max(escapes, 1), "%.1f")
        self.put("quiet_escape_lines_gin", escapes, "%d")
        everything = {"diagnosticsScope": "package",
                      "categories": {"static": True, "inlined": True}}
        for tag, settings in (("default", {}), ("everything", everything)):
            c = self.goescape_client("quiet-" + tag, root, settings)
            try:
                start = c.note_count()
                path = os.path.join(root, "gin.go")
                c.did_open(path, read(path))
                c.wait_note(lambda o: o.get("method") == "goescape/status" and
                            (o.get("params") or {}).get("state") == "analyzing", start=start,
                            timeout=600)
                self.wait_all_idle(c, start)
                latest = {}
                with c._cond:
                    notes = list(c.notes[start:])
                for m in notes:
                    if b"publishDiagnostics" in m.raw:
                        p = m.obj.get("params") or {}
                        latest[p.get("uri")] = len(p.get("diagnostics") or [])
                self.put("quiet_problems_gin_%s" % tag, sum(latest.values()), "%d")
                self.put("quiet_files_gin_%s" % tag, sum(1 for n in latest.values() if n), "%d")
            finally:
                c.stop()

    # load

    @staticmethod
    def wait_all_idle(c, start, timeout=1200):
        """Waits until every package that reported "analyzing" since start reported an end."""
        deadline = now() + timeout
        while now() < deadline:
            with c._cond:
                notes = [m for m in c.notes[start:] if b"goescape/status" in m.raw]
            state = {}
            for m in notes:
                p = m.obj.get("params") or {}
                state[p.get("package")] = p.get("state")
            if state and "analyzing" not in state.values():
                time.sleep(1.0)
                return
            time.sleep(0.2)
        raise TimeoutError("analyses did not finish")

    def load_stream(self, c, docs, targets, seconds, edits):
        """Every 10 ms: 10 didChange (when edits is true) and one hover and one inlayHint.
        Each edit inserts a comment line in a document or removes the one it inserted, so
        the texts come back. Returns ({"hover": [ms], "inlay": [ms]}, didChange per second)."""
        rng = random.Random(3)
        sent = []
        t0 = now()
        changes = 0
        for tick in range(seconds * 100):
            while now() < t0 + tick * 0.01:
                time.sleep(0.0005)
            frames = []
            for _ in range(10 if edits else 0):
                d = docs[rng.randrange(len(docs))]
                d["version"] += 1
                if d["inserted"] is None:
                    ln = rng.randrange(max(1, d["lines"]))
                    frames.append(c.did_change_frame(d["path"], d["version"], ln, ln,
                                                     "// load %d\n" % tick))
                    d["inserted"] = ln
                else:
                    ln = d["inserted"]
                    frames.append(c.did_change_frame(d["path"], d["version"], ln, ln + 1, ""))
                    d["inserted"] = None
                changes += 1
            if frames:
                c.write_raw(b"".join(frames))
            d, pos = targets[tick % len(targets)]
            rid, t = c.send_request("textDocument/hover", {
                "textDocument": {"uri": d["uri"]}, "position": pos})
            sent.append(("hover", rid, t, d["uri"], pos))
            rid, t = c.send_request("textDocument/inlayHint", {
                "textDocument": {"uri": d["uri"]},
                "range": {"start": {"line": max(0, pos["line"] - 60), "character": 0},
                          "end": {"line": pos["line"] + 60, "character": 0}}})
            sent.append(("inlay", rid, t, d["uri"], pos))
        rate = changes / (now() - t0)
        # Every document goes back to its text before the burst.
        frames = []
        for d in docs:
            if d["inserted"] is not None:
                d["version"] += 1
                frames.append(c.did_change_frame(d["path"], d["version"], d["inserted"],
                                                 d["inserted"] + 1, ""))
                d["inserted"] = None
        if frames:
            c.write_raw(b"".join(frames))
        lat = {"hover": [], "inlay": []}
        series = []
        for kind, rid, t, uri, pos in sent:
            t_recv, resp = c.wait_response(rid, timeout=120)
            if "error" in resp:
                raise RuntimeError("load: %s failed: %s" % (kind, resp["error"]))
            lat[kind].append((t_recv - t) * 1000.0)
            series.append((kind, round(t - t0, 4), round((t_recv - t) * 1000.0, 3), uri, pos))
        name = "load-latencies%s.json" % ("" if edits else "-noedits")
        with open(os.path.join(self.logs, name), "w") as f:
            json.dump(series, f)
        return lat, rate

    def fig_load(self):
        self.fresh_module()
        # The 50 packages with the most files, then their files in turn until there are 200.
        pkgs = sorted(self.module_packages(), key=lambda p: (-(len(p[2]) + len(p[3])), p[0]))
        chosen = pkgs[:50]
        if len(chosen) < 50 or sum(len(p[2]) + len(p[3]) for p in chosen) < 200:
            self.notes.append("load: the module has too few packages or files")
            return
        queues = [[os.path.join(d, f) for f in files + tests] for _, d, files, tests in chosen]
        paths = []
        while len(paths) < 200:
            for q in queues:
                if q and len(paths) < 200:
                    paths.append(q.pop(0))
        docs = []
        for path in paths:
            text = read(path)
            docs.append({"path": path, "uri": path_uri(path), "text": text,
                         "lines": text.count("\n"), "version": 1, "inserted": None})
        log("load: %d documents in %d packages" % (len(docs), len(chosen)))
        glog = os.path.join(self.logs, "golog-load")
        if os.path.exists(glog):
            os.remove(glog)
        c = self.goescape_client("load", self.module, {}, glog)
        try:
            start = c.note_count()
            c.write_raw(b"".join(c.did_open_frame(d["path"], d["text"]) for d in docs))
            positions = {}
            for d in docs:
                _, msg = c.wait_note(diagnostics_waiter(d["uri"], lambda x: True), start=start,
                                     timeout=1200, raw_filter=publish_filter(d["uri"]))
            self.wait_all_idle(c, start)
            filt_all = {d["uri"]: publish_filter(d["uri"]) for d in docs}
            with c._cond:
                notes = c.notes[start:]
            for d in docs:
                for m in notes:
                    if filt_all[d["uri"]](m.raw):
                        diags = m.obj["params"]["diagnostics"]
                        positions[d["uri"]] = [x["range"]["start"] for x in diags]
            hover_targets = [(d, p) for d in docs for p in positions.get(d["uri"], [])[:5]]
            if not hover_targets:
                hover_targets = [(d, {"line": 3, "character": 2}) for d in docs]
            random.Random(2).shuffle(hover_targets)
            # Reference: the same hovers and inlay hints for 3 s, without edits.
            ref, _ = self.load_stream(c, docs, hover_targets, 3, False)
            time.sleep(1.0)
            rss_before = c.proc_status("VmRSS")
            log("load: %d hover targets, RSS before %.1f MB" % (len(hover_targets),
                                                               rss_before / 1024.0))
            seconds = 3 if QUICK else 10
            lat, rate = self.load_stream(c, docs, hover_targets, seconds, True)
            time.sleep(3.0)
            rss_after = c.proc_status("VmRSS")
            self.put("load_change_rate", rate, "%.0f")
            self.put("load_hover_p99_ms", percentile(lat["hover"], 99), "%.2f")
            self.put("load_inlay_p99_ms", percentile(lat["inlay"], 99), "%.2f")
            self.put("load_hover_p99_ms_noedits", percentile(ref["hover"], 99), "%.2f")
            self.put("load_inlay_p99_ms_noedits", percentile(ref["inlay"], 99), "%.2f")
            self.put("load_rss_mb_before", rss_before / 1024.0, "%.1f")
            self.put("load_rss_mb_after", rss_after / 1024.0, "%.1f")
            self.put("load_rss_ratio", rss_after / rss_before, "%.3f")
            self.put("load_rss_mb_peak", c.proc_status("VmHWM") / 1024.0, "%.1f")
        finally:
            c.stop()

    # driver

    def meta(self):
        def cmd(argv, **kw):
            try:
                return subprocess.run(argv, capture_output=True, text=True, env=self.env,
                                      timeout=60, **kw).stdout.strip()
            except OSError:
                return ""
        cpu = ""
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        mem = ""
        try:
            for line in open("/proc/meminfo"):
                if line.startswith("MemTotal"):
                    mem = "%.1f GB" % (int(line.split()[1]) / 1024.0 / 1024.0)
        except OSError:
            pass
        return {
            "loadavg_start": self.loadavg_start,
            "loadavg_end": loadavg(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": "%s, %d cores, %s RAM, %s %s" % (cpu or platform.processor(),
                                                       os.cpu_count() or 0, mem,
                                                       platform.system(), platform.release()),
            "go": cmd([os.path.join(self.goroot, "bin", "go"), "version"]),
            "gopls": cmd([self.gopls, "version"]).splitlines()[0] if self.gopls else "",
            "gopls_command": getattr(self, "meta_gopls_command", ""),
            "goescape": "; ".join(l for l in cmd([self.goescape, "--version"]).splitlines()
                                  if not l.startswith("commit ")),
            "commit": self.commit,
            "module": self.module_version(),
            "many_packages": getattr(self, "results_meta_many", []),
            "quick": QUICK,
        }

    def module_version(self):
        try:
            return read(os.path.join(self.module + ".pristine", ".goescape-bench-ready")).strip()
        except OSError:
            return ""

    def save(self, t_start):
        data = {"meta": self.meta(), "results": self.results, "notes": self.notes,
                "figures": getattr(self, "figures", []),
                "seconds": round(now() - t_start)}
        with open(self.out, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)


# Figures as reported: (name, figure, target text, check).
def le(x):
    return lambda v: v <= x


def lt(x):
    return lambda v: v < x


def ge_(x):
    return lambda v: v >= x


FIGURES = [
    ("parse_mbps_go126_nethttp", "parse throughput, net/http -m=2 from Go 1.26 (MB/s, one core)", "≥ 200", ge_(200)),
    ("memchr_mbps_go126_nethttp", "  memchr line count over the same bytes (MB/s, reference)", "", None),
    ("parse_mbps_go119_nethttp", "parse throughput, net/http -m=2 from Go 1.19 (MB/s, one core)", "≥ 200", ge_(200)),
    ("memchr_mbps_go119_nethttp", "  memchr line count over the same bytes (MB/s, reference)", "", None),
    ("save_ratio_examples_tests", "save→diagnostics ÷ go command, examples/, tests included", "≤ 1.05", le(1.05)),
    ("save_full_ratio_examples_tests", "  save→every file published, test files too ÷ the go commands run for it, examples/", "", None),
    ("save_ratio_examples_build", "save→diagnostics ÷ go command, examples/, without tests", "≤ 1.05", le(1.05)),
    ("save_ratio_json_tests", "save→diagnostics ÷ go command, encoding/json, tests included", "≤ 1.05", le(1.05)),
    ("save_full_ratio_json_tests", "  save→every file published, test files too ÷ the go commands run for it, encoding/json", "", None),
    ("save_ratio_json_build", "save→diagnostics ÷ go command, encoding/json, without tests", "≤ 1.05", le(1.05)),
    ("save_ratio_nethttp_tests", "save→diagnostics ÷ go command, net/http, tests included", "≤ 1.05", le(1.05)),
    ("save_full_ratio_nethttp_tests", "  save→every file published, test files too ÷ the go commands run for it, net/http", "", None),
    ("save_ratio_nethttp_build", "save→diagnostics ÷ go command, net/http, without tests", "≤ 1.05", le(1.05)),
    ("gopls_ratio_examples", "goescape ÷ gopls, save→escape diagnostics, examples/", "≤ 0.5", le(0.5)),
    ("gopls_ratio_json", "goescape ÷ gopls, save→escape diagnostics, encoding/json", "≤ 0.5", le(0.5)),
    ("gopls_ratio_nethttp", "goescape ÷ gopls, save→escape diagnostics, net/http", "≤ 0.5", le(0.5)),
    ("rss_mb_goescape_nethttp_tests", "peak RSS of goescape after analyzing net/http, tests included (MB)", "≤ 20", le(20)),
    ("rss_mb_goescape_nethttp_build", "peak RSS of goescape after analyzing net/http, without tests (MB)", "≤ 20", le(20)),
    ("rss_mb_gopls_nethttp", "  peak RSS of gopls on the same workspace (MB, reference)", "", None),
    ("hover_p99_ms_compile", "hover p99 while net/http is analyzed (ms)", "< 5", lt(5)),
    ("inlay_p99_ms_compile", "inlayHint p99 while net/http is analyzed (ms)", "< 5", lt(5)),
    ("hover_p99_ms_idle", "  hover p99, same load, nothing running (ms, reference)", "", None),
    ("inlay_p99_ms_idle", "  inlayHint p99, same load, nothing running (ms, reference)", "", None),
    ("burst_go_runs", "burst: go runs for 20 saves in 2 s (encoding/json)", "≤ 2", le(2)),
    ("burst_final_matches", "burst: final diagnostics match the last save (1 = yes)", "= 1", lambda v: v == 1),
    ("many_ratio_build", "30 packages opened at once ÷ one go build of them", "≤ 1.3", le(1.3)),
    ("many_go_runs_build", "  go runs for those 30 packages", "", None),
    ("many_ratio_tests", "30 packages opened at once ÷ one go test -c of them", "≤ 1.3", le(1.3)),
    ("many_go_runs_tests", "  go runs for those 30 packages, tests included", "", None),
    ("startup_ms", "startup: process start to the initialize response (ms, median)", "≤ 10", le(10)),
    ("startup_floor_ms", "  the same round trip through cat (ms, reference)", "", None),
    ("load_hover_p99_ms", "load: hover p99 under 1,000 didChange/s, 200 documents (ms)", "< 10", lt(10)),
    ("load_inlay_p99_ms", "load: inlayHint p99 under the same load (ms)", "< 10", lt(10)),
    ("load_hover_p99_ms_noedits", "  hover p99, same requests without the edits (ms, reference)", "", None),
    ("load_inlay_p99_ms_noedits", "  inlayHint p99, same requests without the edits (ms, reference)", "", None),
    ("load_rss_ratio", "load: RSS after the burst ÷ RSS before", "≤ 1.10", le(1.10)),
    ("quiet_static_share_gin", "gin, tests included: share of the compiler's heap-escape lines that are static (%)", "", None),
    ("quiet_escape_lines_gin", "  the compiler's heap-escape lines (static and inlined included)", "", None),
    ("quiet_problems_gin_default", "gin: diagnostics the client holds with gin.go open, default settings", "", None),
    ("quiet_files_gin_default", "  files with diagnostics", "", None),
    ("quiet_problems_gin_everything", "  the same with diagnosticsScope package and static and inlined on", "", None),
    ("quiet_files_gin_everything", "  files with diagnostics", "", None),
    ("check_rss_mb_fasthttp_tests", "goescape check --format json ./... on fasthttp, tests included: peak RSS (MB)", "≤ 48", le(48)),
    ("check_go_rss_mb_fasthttp_tests", "  the go commands it runs, by hand: peak RSS of the largest (MB, reference)", "", None),
    ("check_ratio_fasthttp_tests", "  goescape check ÷ the go commands it runs, by hand, fasthttp", "", None),
    ("check_rss_mb_std", "goescape check --no-tests std: peak RSS (MB)", "≤ 64", le(64)),
    ("check_go_rss_mb_std", "  the go commands it runs, by hand: peak RSS of the largest (MB, reference)", "", None),
    ("check_ratio_std", "goescape check --no-tests std ÷ the go commands it runs, by hand", "≤ 1.05", le(1.05)),
    ("check_ms_std", "  goescape check --no-tests std (ms, median)", "", None),
    ("check_go_ms_std", "  the go commands it runs, by hand (ms, median, reference)", "", None),
    ("companion_ratio_median_completion", "companion mode ÷ gopls direct, net/http: completion latency, median", "≤ 1.05", le(1.05)),
    ("companion_ratio_p99_completion", "  the same, p99", "≤ 1.10", le(1.10)),
    ("companion_ms_completion_direct", "  gopls direct, completion (ms, median, reference)", "", None),
    ("companion_ratio_median_completion_relay", "  gopls behind two cat (the floor of any relay) ÷ gopls direct, median", "", None),
    ("companion_ratio_median_completion_over_relay", "  companion mode ÷ gopls behind two cat, median", "", None),
    ("companion_ratio_median_hover", "companion mode ÷ gopls direct, net/http: hover latency, median", "≤ 1.05", le(1.05)),
    ("companion_ratio_p99_hover", "  the same, p99", "≤ 1.10", le(1.10)),
    ("companion_ms_hover_direct", "  gopls direct, hover (ms, median, reference)", "", None),
    ("companion_ratio_median_hover_relay", "  gopls behind two cat (the floor of any relay) ÷ gopls direct, median", "", None),
    ("companion_ratio_median_hover_over_relay", "  companion mode ÷ gopls behind two cat, median", "", None),
    ("companion_ratio_median_definition", "companion mode ÷ gopls direct, net/http: definition latency, median", "≤ 1.05", le(1.05)),
    ("companion_ratio_p99_definition", "  the same, p99", "≤ 1.10", le(1.10)),
    ("companion_ms_definition_direct", "  gopls direct, definition (ms, median, reference)", "", None),
    ("companion_ratio_median_definition_relay", "  gopls behind two cat (the floor of any relay) ÷ gopls direct, median", "", None),
    ("companion_ratio_median_definition_over_relay", "  companion mode ÷ gopls behind two cat, median", "", None),
    ("companion_rss_mb_goescape", "peak RSS of goescape itself in companion mode, net/http, tests included (MB)", "≤ 25", le(25)),
    ("companion_rss_mb_gopls", "  peak RSS of the gopls it runs (MB, reference)", "", None),
    ("companion_save_ratio", "save→diagnostics ÷ go command, net/http, tests included, companion mode", "≤ 1.05", le(1.05)),
    ("companion_save_ms", "  companion mode save→diagnostics (ms, median)", "", None),
    ("companion_save_ms_go", "  the go command by hand (ms, median, reference)", "", None),
    ("companion_save_ratio_gopls", "  companion mode ÷ the go command by hand while gopls run directly works on the same save", "", None),
    ("companion_save_ms_go_gopls", "  that go command by hand (ms, median, reference)", "", None),
    ("companion_save_ratio_plain_gopls", "save→diagnostics, companion mode ÷ plain goescape beside gopls run directly, both given the same save", "≤ 1.05", le(1.05)),
    ("companion_save_ms_plain_gopls", "  plain goescape beside gopls save→diagnostics (ms, median, reference)", "", None),
    ("companion_save_ratio_plain_gopls_go", "  plain goescape beside gopls ÷ the go command by hand", "", None),
]

# Supporting values, printed and shown in a second table.
SUPPORT = [
    ("save_ms_goescape_%s_%s", "goescape save→diagnostics (ms)"),
    ("save_ms_go_%s_%s", "the same go command by hand (ms)"),
    ("save_overhead_ms_%s_%s", "goescape minus its own go process (ms)"),
]


def fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return ("%.3f" % v).rstrip("0").rstrip(".") if abs(v) < 100 else "%.0f" % v
    return str(v)


ALL_FIGURES = ["startup", "parse", "latency", "many", "load", "check", "quiet", "companion"]


def wait_cpu_quiet(clients, window=0.5, budget=0.02, timeout=60.0):
    """Waits until no server of clients uses more than budget CPU seconds over window."""
    deadline = now() + timeout
    while now() < deadline:
        before = [c.cpu_seconds() for c in clients]
        time.sleep(window)
        after = [c.cpu_seconds() for c in clients]
        if all(a is None or b is None or a - b <= budget for a, b in zip(after, before)):
            return
    log("servers still busy after %.0f s; measuring anyway" % timeout)


def previous_run(history, current):
    """The newest earlier run in history that measured every figure, or None."""
    runs = sorted(glob.glob(os.path.join(history, "run-*.json")))
    for path in reversed(runs):
        if os.path.abspath(path) == os.path.abspath(current):
            continue
        try:
            data = json.load(open(path))
        except (OSError, ValueError):
            continue
        if data.get("figures") == ALL_FIGURES and not data.get("meta", {}).get("quick"):
            data["path"] = path
            return data
    return None


def report(a):
    data = json.load(open(a.results))
    prev = previous_run(a.history, a.results) if a.history else None
    res = data["results"]
    meta = data["meta"]
    lines = []
    lines.append("# Benchmarks")
    lines.append("")
    lines.append("Written by `make bench` (`tests/bench/run.sh`); every value below comes from the "
                 "run described here. The machines these run on are shared and noisy, so each "
                 "figure is a ratio against a reference measured in the same run, interleaved "
                 "with it and repeated; values are medians.")
    lines.append("")
    lines.append("- Date: %s" % meta["date"])
    lines.append("- Machine: %s; load average %s at the start, %s at the end" % (
        meta["machine"], meta.get("loadavg_start", "?"), meta.get("loadavg_end", "?")))
    lines.append("- Go: %s" % meta["go"])
    lines.append("- gopls: %s (compiler details turned on with `%s`)" % (
        meta["gopls"], meta.get("gopls_command") or "gopls.gc_details"))
    lines.append("- goescape: %s, commit %s, Release build" % (meta["goescape"], meta["commit"]))
    lines.append("- Third-party module: %s (from the module cache)" % meta["module"])
    lines.append("- Run time: %d s%s" % (data["seconds"], " (quick mode: fewer rounds)" if meta.get("quick") else ""))
    lines.append("")
    head = "| figure | value | target | met? |"
    sep = "|---|---|---|---|"
    if prev:
        head = "| figure | value | target | met? | previous run (%s) |" % prev["meta"]["date"]
        sep = "|---|---|---|---|---|"
    lines.append(head)
    lines.append(sep)
    for name, label, target, check in FIGURES:
        v = res.get(name)
        met = ""
        if check is not None:
            met = "n/a" if v is None else ("yes" if check(v) else "**no**")
        row = "| %s | %s | %s | %s |" % (label.strip(), fmt(v), target, met)
        if label.startswith("  "):
            row = "| ↳ %s | %s | %s | %s |" % (label.strip(), fmt(v), target, met)
        if prev:
            row += " %s |" % fmt(prev["results"].get(name))
        lines.append(row)
    lines.append("")
    lines.append("Absolute times behind the save ratios (medians, ms):")
    lines.append("")
    lines.append("| package | tests | goescape | go command by hand | goescape minus its go process | goescape, every file published | gopls |")
    lines.append("|---|---|---|---|---|---|---|")
    for key, label in (("examples", "examples/"), ("json", "encoding/json"), ("nethttp", "net/http")):
        for mode in ("tests", "build"):
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                label, "yes" if mode == "tests" else "no",
                fmt(res.get("save_ms_goescape_%s_%s" % (key, mode))),
                fmt(res.get("save_ms_go_%s_%s" % (key, mode))),
                fmt(res.get("save_overhead_ms_%s_%s" % (key, mode))),
                fmt(res.get("save_full_ms_goescape_%s_tests" % key)) if mode == "tests" else "",
                fmt(res.get("save_ms_gopls_%s" % key)) if mode == "tests" else ""))
    lines.append("")
    lines.append(METHOD)
    if data.get("notes"):
        lines.append("")
        lines.append("Notes from this run:")
        lines.append("")
        for n in data["notes"]:
            lines.append("- %s" % n)
    if a.notes and os.path.exists(a.notes):
        lines.append("")
        lines.append(read(a.notes).rstrip())
    write(a.md, "\n".join(lines) + "\n")
    for name in sorted(res):
        print("%s=%s" % (name, fmt(res[name])))


METHOD = """## How each figure is measured

- **Parse throughput**: `bench_parse` (built by `make bench`) parses the whole recorded
  `-m=2` output of net/http, from Go 1.26 (`tests/fixtures/recordings/`) and from Go 1.19
  (`tests/fixtures/go1.19/`), pinned to one core, and counts lines with `memchr` over the same
  bytes; each invocation keeps its best of at least ten passes, and five invocations with the
  file order alternating give the median.
- **Save→diagnostics**: the packages are copies: `examples/` is copied next to the cache, and
  the standard library packages are edited in a private copy of GOROOT (the go command, gopls
  and goescape all run with `GOROOT` set to it); the files edited are `examples/escapes.go`,
  `encoding/json/encode.go` and `net/http/header.go`. Each round appends one line to the file,
  a function that moves a fresh variable to the heap, writes it to disk and sends `didChange`
  and `didSave` together; the time runs from there to the `publishDiagnostics` that names the
  new variable. The reference is the exact go command goescape ran (recorded by a logging `go`
  wrapper set through `goBinary`), run by hand after the same kind of edit with a new name, so
  neither side ever hits the build cache for the edited package. Seven rounds (five for
  net/http) rotate the order of goescape (tests on and off), the two hand runs and gopls; each
  ratio is the median of the per-round ratios. goescape runs with its default settings
  (`debounceMs` 250) apart from `includeTests`. With tests included, a lone save of a package
  file is answered first by a quick pass (`go build` of the package), and `go test -c`
  follows for the test files; the ratio then divides by the `go build` run by hand in the
  same round, the command that produced the timed diagnostics. "Every file published" runs
  to goescape's idle status after the full pass, and its ratio divides by the commands it
  ran (both, after a quick pass). "goescape minus its go process" subtracts the run time that
  goescape logs for the go command behind the timed diagnostics. goescape runs its go command
  at its default `compilerNice` (10) and the hand runs at normal priority, so every sample
  starts only once all three servers have been CPU-idle for half a second (gopls keeps
  type-checking for seconds after it publishes).
- **Against gopls**: gopls on the same workspace, compiler optimization details turned on for
  the directory (the `source.toggleCompilerOptDetails` code action), the same edit and save,
  timed to the first diagnostics from the `optimizer details` source that name the new
  variable. goescape with its defaults (tests included) over gopls: goescape's side is its
  quick pass, which shows the edited file; gopls shows it only after its `go test -c`.
- **Memory**: `VmHWM` of the goescape process from `/proc/<pid>/status` after its net/http
  rounds (go and compile processes are its children and are not counted), and of gopls.
- **Responsiveness**: hover and inlayHint requests alternate every 5 ms without waiting for
  answers, at the positions of the file's findings, from a save of net/http until half a
  second after its diagnostics are published; the same load for 2 s on the idle server is the
  reference.
- **Burst**: 20 edits and saves 100 ms apart on encoding/json; the go runs are counted by the
  logging wrapper; the final diagnostics must name the last edit's variable and no earlier one,
  and a fresh `goescape.analyze` must not change them.
- **Many packages**: a fresh goescape gets one `didOpen` for each of 30 packages spread over
  the third-party module, in one write; the time runs to the last package's first
  `publishDiagnostics`. The reference is one go command over the same 30 packages with the
  flags goescape uses. Warm cache, five alternating rounds.
- **Startup**: from process start to the `initialize` response, 40 runs, median; the same
  round trip through `cat` is the floor of the measurement itself.
- **Load** (reliability target): 200 documents open in the 50 packages of the third-party
  module that have the most files, 1,000 `didChange` per second for 10 s (lines inserted and
  removed again), with a hover and an inlayHint every 10 ms; p99 latencies, and `VmRSS` 3 s
  after the burst over `VmRSS` before it. The same hovers and inlay hints for 3 s without the
  edits are the reference.
- **goescape check** (`checkbench.py`): fasthttp (pinned version, fetched once into a
  temporary module with `go mod init` and `go get`, then copied next to the cache) with
  `check --format json ./...`, tests included; the whole standard library of the private
  GOROOT with `check --no-tests std`. The reference is the go commands goescape ran (`go list`
  and `go test -c` or `go build`, recorded by the logging wrapper), run by hand one after the
  other with their output discarded. One warm-up run of each fills the build cache, so both
  sides replay the compiler's output from it; then rounds alternate the two sides (three for
  fasthttp, nine for std, whose rounds are short and vary most), and the ratio is the median
  of the per-round ratios. goescape's peak RSS is the `VmHWM` of its
  own process, sampled from `/proc` every 2 ms while it runs; the go command's is the
  largest `ru_maxrss` from `wait4`.
- **Companion mode** (`companionbench.py`): `goescape --gopls` with the benchmark's gopls and
  that gopls run directly, both on the private GOROOT's `src` with `net/http/header.go` open,
  in the same run. After both have loaded the workspace and gone CPU-idle, 300 rounds each send
  a completion (one letter into a selector), a hover and a definition (on a called name) at the
  same position to both, one request in flight at a time, the side that goes first alternating
  by round; five warm-up rounds are not counted. The ratios divide companion mode's median and
  99th percentile by gopls's. A third side in the same rounds is the same gopls behind a `cat`
  in front and a `cat` behind: two more processes woken on a pipe for each message, as with
  goescape, and so the floor any relay has on this machine. The memory is the `VmHWM` of goescape's own process (its gopls is
  a child and is reported beside it), after the latency rounds and five saves with
  `includeTests` on and `diagnosticsScope` `package`. The save ratio is measured as in plain
  mode (the same edit, the quick-pass rule and the go command by hand, alternating), with the
  gopls inside working on the same save. A second reference is the same go command by hand
  while gopls run directly gets the same kind of edit and save. A third is plain goescape,
  with the same settings, beside gopls run directly, both sent the same edit and save: what an
  editor that takes two servers per buffer runs, and so the like-for-like measure of what
  companion mode costs."""


def compare(a):
    x = json.load(open(a.first))["results"]
    y = json.load(open(a.second))["results"]
    print("%-34s %12s %12s %8s" % ("figure", "first", "second", "diff"))
    for name, _, target, check in FIGURES:
        v, w = x.get(name), y.get(name)
        d = ""
        if isinstance(v, (int, float)) and isinstance(w, (int, float)) and v:
            d = "%+.0f%%" % (100.0 * (w - v) / v)
        same = ""
        if check is not None and v is not None and w is not None:
            same = "" if check(v) == check(w) else "  verdict differs"
        print("%-34s %12s %12s %8s%s" % (name, fmt(v), fmt(w), d, same))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "report":
        p = argparse.ArgumentParser(prog="lspbench.py report")
        p.add_argument("cmd")
        p.add_argument("results")
        p.add_argument("--history", help="directory of earlier runs' results")
        p.add_argument("--notes")
        p.add_argument("--md", required=True)
        report(p.parse_args())
        return
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        p = argparse.ArgumentParser(prog="lspbench.py compare")
        p.add_argument("cmd")
        p.add_argument("first", help="a results file, or a directory: its newest complete run "
                                     "before the second")
        p.add_argument("second")
        a = p.parse_args()
        if os.path.isdir(a.first):
            prev = previous_run(a.first, a.second)
            if prev is None:
                return
            a.first = prev["path"]
        print("comparing %s with %s" % (a.first, a.second))
        compare(a)
        return
    p = argparse.ArgumentParser()
    p.add_argument("--build-dir", required=True)
    p.add_argument("--cache", required=True)
    p.add_argument("--goroot", required=True, help="the private GOROOT copy")
    p.add_argument("--pristine-goroot", required=True, help="the GOROOT it was copied from")
    p.add_argument("--gopls", required=True)
    p.add_argument("--module", required=True, help="the third-party module copy")
    p.add_argument("--out", required=True)
    p.add_argument("figures", nargs="*")
    a = p.parse_args()
    b = Bench(a)
    figs = a.figures or ALL_FIGURES
    b.figures = figs
    t_start = now()
    try:
        for f in figs:
            log("== %s ==" % f)
            try:
                name, _, arg = f.partition("=")
                if arg:
                    getattr(b, "fig_" + name)(arg.split(","))
                else:
                    getattr(b, "fig_" + name)()
            except Exception as e:  # noqa: BLE001
                import traceback
                traceback.print_exc()
                b.notes.append("%s: the benchmark failed: %s" % (f, str(e).splitlines()[0][:300]))
            b.save(t_start)
    finally:
        b.save(t_start)


if __name__ == "__main__":
    main()
