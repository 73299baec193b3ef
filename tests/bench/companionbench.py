"""The companion figure: goescape --gopls on net/http, side by side with gopls run directly.

In one run, on the private GOROOT copy's net/http (header.go open in both):
- completion, hover and definition latency through `goescape --gopls` and from gopls run
  directly, alternating request by request at the same positions, one request in flight at a
  time; the ratios of the medians and of the 99th percentiles;
- the peak RSS (VmHWM) of goescape's own process in companion mode, with gopls's (its child)
  beside it;
- save→escape diagnostics ÷ the go command run by hand, as the plain-mode latency figure
  measures it (the same edit, the same quick-pass rule, the same building blocks of
  lspbench.py), with gopls working on the same save inside companion mode.
"""

import os
import re
import subprocess
import time

from lsp import Client, diagnostics_waiter, now, proc_cpu_seconds, proc_status, publish_filter

METHODS = ("completion", "hover", "definition")


class Proc:
    """A process the benchmark did not start itself (the gopls under goescape)."""

    def __init__(self, pid):
        self.pid = pid

    def cpu_seconds(self):
        return proc_cpu_seconds(self.pid)

    def proc_status(self, key):
        return proc_status(self.pid, key)


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def child_pids(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def first_gopls(pid):
    """The gopls under pid: a child, or the child of goescape's guard."""
    for p in child_pids(pid):
        if comm(p) == "gopls":
            return p
        if comm(p) == "goescape-guard":
            return next((q for q in child_pids(p) if comm(q) == "gopls"), None)
    return None


def positions(text, n=60):
    """Positions in text (ASCII, so UTF-16 columns are byte columns): for hover and
    definition, the first letter of each called identifier; for completion, one letter into
    each selector after a dot (what an editor asks while the name is typed)."""
    calls, sels = [], []
    for ln, line in enumerate(text.split("\n")):
        code = line.split("//", 1)[0]
        if code.lstrip().startswith("*") or '"' in code:
            continue
        for m in re.finditer(r"\b([A-Za-z_]\w*)\(", code):
            calls.append({"line": ln, "character": m.start(1)})
        for m in re.finditer(r"\w\.([A-Za-z_]\w*)", code):
            sels.append({"line": ln, "character": m.start(1) + 1})

    def spread(xs):
        if len(xs) <= n:
            return xs
        step = len(xs) / float(n)
        return [xs[int(i * step)] for i in range(n)]
    return {"hover": spread(calls), "definition": spread(calls), "completion": spread(sels)}


def request_params(method, uri, pos):
    p = {"textDocument": {"uri": uri}, "position": pos}
    if method == "completion":
        p["context"] = {"triggerKind": 1}
    return p


def timed(c, method, uri, pos):
    rid, t = c.send_request("textDocument/" + method, request_params(method, uri, pos))
    t_recv, resp = c.wait_response(rid, timeout=120)
    if "error" in resp:
        raise RuntimeError("%s: %s failed: %s" % (c.name, method, resp["error"]))
    return (t_recv - t) * 1000.0


def run(b, percentile, median, wait_cpu_quiet, log, quick):
    """Measures the figure with the lspbench.Bench b; returns {name: value}."""
    src = os.path.join(b.goroot, "src")
    doc = b.package_doc("nethttp", src, os.path.join(src, "net/http/header.go"),
                        os.path.join(b.pristine_goroot, "src/net/http/header.go"))
    glog = os.path.join(b.logs, "golog-companion")
    if os.path.exists(glog):
        os.remove(glog)
    res = {}
    clients = []
    try:
        b.restore(doc)
        direct = b.gopls_client("companion-direct", doc["root"])
        clients.append(direct)
        b.open_doc(direct, doc, timeout=900)
        env = dict(b.env)
        env["GOESCAPE_BENCH_GOLOG"] = glog
        settings = {"goBinary": b.gowrap, "includeTests": True, "diagnosticsScope": "package"}
        comp = Client("goescape-companion", [b.goescape, "--gopls=" + b.gopls], env=env,
                      cwd=doc["root"], log_path=os.path.join(b.logs, "goescape-companion.log"),
                      settings=settings, config_section="goescape").start()
        clients.append(comp)
        comp.initialize(doc["root"], {"goescape": settings}, timeout=300)
        b.open_doc(comp, doc, wait_source="goescape", timeout=900)
        # Every analysis has ended (the quick pass and the test binary's) before anything is
        # timed: its compilers are goescape's children and would share the CPU.
        b.wait_all_idle(comp, 0)
        inner_pid = first_gopls(comp.pid)
        inner = Proc(inner_pid) if inner_pid else None
        # The floor of any relay: the same gopls behind a cat in front and a cat behind, two
        # more processes woken on a pipe for each message, as goescape is. (A shell only
        # builds the benchmark's pipeline; the server never runs one.)
        relay = Client("gopls-relay", ["sh", "-c", 'cat | "$0" serve | cat', b.gopls],
                       env=b.env, cwd=doc["root"], log_path=os.path.join(b.logs, "gopls-relay.log"),
                       settings={}, config_section="gopls").start()
        clients.append(relay)
        relay.initialize(doc["root"], {}, timeout=300)
        b.open_doc(relay, doc, timeout=900)
        relay_gopls = [Proc(p) for p in child_pids(relay.pid) if comm(p) == "gopls"]
        watched = clients + ([inner] if inner else []) + relay_gopls
        # Every gopls has loaded the workspace before anything is timed.
        pos = positions(doc["orig"])
        sides = [("direct", direct), ("companion", comp), ("relay", relay)]
        for _, c in sides:
            for m in METHODS:
                timed(c, m, doc["uri"], pos[m][0])
        wait_cpu_quiet(watched)

        rounds = 40 if quick else 300
        warm = 5
        lat = {(side, m): [] for side, _ in sides for m in METHODS}
        log("companion: %d rounds of %s, alternating with gopls direct and behind two cat" % (
            rounds, ", ".join(METHODS)))
        for r in range(rounds + warm):
            for m in METHODS:
                p = pos[m][r % len(pos[m])]
                order = sides[r % 3:] + sides[:r % 3]
                if r % 2:
                    order.reverse()
                for side, c in order:
                    ms = timed(c, m, doc["uri"], p)
                    if r >= warm:
                        lat[(side, m)].append(ms)
        for m in METHODS:
            d, c = lat[("direct", m)], lat[("companion", m)]
            res["companion_ms_%s_direct" % m] = median(d)
            res["companion_ms_%s" % m] = median(c)
            res["companion_ratio_median_%s" % m] = median(c) / median(d)
            res["companion_ratio_p99_%s" % m] = percentile(c, 99) / percentile(d, 99)
            res["companion_p99_ms_%s_direct" % m] = percentile(d, 99)
            res["companion_p99_ms_%s" % m] = percentile(c, 99)
            e = lat[("relay", m)]
            res["companion_ms_%s_relay" % m] = median(e)
            res["companion_ratio_median_%s_relay" % m] = median(e) / median(d)
            res["companion_ratio_median_%s_over_relay" % m] = median(c) / median(e)
        relay.stop()
        clients.remove(relay)
        watched = [w for w in watched if w is not relay and w not in relay_gopls]

        # Save→escape diagnostics ÷ the go command by hand, as the plain-mode figure does it:
        # a lone save with tests included is answered by a quick pass (go build), so the
        # reference is the command behind the timed diagnostics, run by hand after the same
        # kind of edit; the order of the two alternates from round to round.
        def last_call(kind):
            calls = [c for c in b.golog_calls(glog) if c[1][:1] == [kind]]
            return calls[-1] if calls else None

        def hand_with_gopls(call):
            """The go command by hand while gopls run directly works on the same kind of edit
            and save: the editor a user of plain goescape has, with gopls beside it."""
            name, line = b.next_edit()
            with open(doc["path"], "w") as f:
                f.write(doc["orig"] + line)
            doc["version"][direct.name] = doc["version"].get(direct.name, 1) + 1
            direct.write_raw(direct.did_change_frame(
                doc["path"], doc["version"][direct.name], doc["nlines"], doc["nlines"] + 1,
                line) + direct.did_save_frame(doc["path"]))
            t0 = now()
            p = subprocess.run([b.gowrap] + call[1], cwd=call[0], env=b.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=900)
            ms = (now() - t0) * 1000.0
            if p.returncode != 0 or name.encode() not in p.stderr:
                raise RuntimeError("the go command by hand failed or hit the cache")
            return ms

        # Plain goescape beside gopls run directly, as an editor runs them when it takes two
        # servers per buffer: the same save sent to both is the like-for-like reference for
        # companion mode, whose gopls works on the same save beside its compiler.
        plain = b.goescape_client("companion-plain", doc["root"],
                                  {"includeTests": True, "diagnosticsScope": "package"})
        clients.append(plain)
        b.open_doc(plain, doc, wait_source="goescape", timeout=900)
        b.wait_all_idle(plain, 0)
        watched.append(plain)

        reps = 1 if quick else 5
        ge, go, go_busy, full, beside = [], [], [], [], []
        for r in range(reps):
            hand_first = r % 2 == 1
            hand_ms, hand_kind = None, None
            if hand_first:
                time.sleep(0.3)
                wait_cpu_quiet(watched)
                hand_kind = "build"
                hand_ms = b.hand_run(last_call(hand_kind), doc)
            time.sleep(0.3)
            wait_cpu_quiet(watched)
            n0 = len(b.golog_calls(glog))
            ms, _, f = b.server_save(comp, doc, "goescape")
            calls = b.golog_calls(glog)[n0:]
            kind = calls[0][1][0] if calls and calls[0][1] else "build"
            if hand_ms is None or hand_kind != kind:
                time.sleep(0.3)
                wait_cpu_quiet(watched)
                hand_ms = b.hand_run(last_call(kind), doc)
            time.sleep(0.3)
            wait_cpu_quiet(watched)
            busy_ms = hand_with_gopls(last_call(kind))
            time.sleep(0.3)
            wait_cpu_quiet(watched)
            plain_ms, _, _ = b.server_save(plain, doc, "goescape", also=(direct,))
            beside.append(plain_ms)
            ge.append(ms)
            go.append(hand_ms)
            go_busy.append(busy_ms)
            full.append(f)
            log("  round %d: companion %.0f ms (go %s), go by hand %.0f ms, with gopls working "
                "on the same save %.0f ms, plain goescape beside gopls %.0f ms" % (
                    r + 1, ms, kind, hand_ms, busy_ms, plain_ms))
        res["companion_save_ms"] = median(ge)
        res["companion_save_ms_go"] = median(go)
        res["companion_save_ratio"] = median([x / y for x, y in zip(ge, go)])
        res["companion_save_ms_go_gopls"] = median(go_busy)
        res["companion_save_ratio_gopls"] = median([x / y for x, y in zip(ge, go_busy)])
        res["companion_save_ms_plain_gopls"] = median(beside)
        res["companion_save_ratio_plain_gopls"] = median([x / y for x, y in zip(ge, beside)])
        res["companion_save_ratio_plain_gopls_go"] = median([x / y for x, y in zip(beside, go)])
        res["companion_save_full_ms"] = median(full)

        res["companion_rss_mb_goescape"] = comp.proc_status("VmHWM") / 1024.0
        if inner is not None and inner.proc_status("VmHWM") is not None:
            res["companion_rss_mb_gopls"] = inner.proc_status("VmHWM") / 1024.0
        res["companion_rss_mb_gopls_direct"] = direct.proc_status("VmHWM") / 1024.0
    finally:
        for c in clients:
            c.stop()
        b.restore(doc)
    return res
