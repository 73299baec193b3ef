"""`goescape check` figures for lspbench.py: peak memory and time of the command line on a
third-party module with tests (fasthttp, `./...`) and on the whole standard library (`std`,
without tests), side by side with the go commands it runs, run by hand.

The go commands are the exact ones goescape ran, recorded by the logging `go` wrapper, so the
comparison is like for like. The build cache is warmed first by one run of each, so both
sides replay the compiler's output from it. goescape's peak memory is the `VmHWM` of its own
process, read from /proc while it runs (the go command and the compiler are its children and
are not counted); the go command's is its `ru_maxrss` from wait4.

Usage (normally through lspbench.py, figure `check`):
    checkbench.py --goescape BIN --go GO --work DIR [--rounds N] [--only fasthttp|std]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

FASTHTTP = "github.com/valyala/fasthttp"
FASTHTTP_VERSION = os.environ.get("GOESCAPE_BENCH_FASTHTTP_VERSION", "v1.79.0")


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def fetch_env(env):
    """The environment for downloading the module: the user's proxy settings, not the bench's
    offline ones."""
    e = dict(env)
    for k in ("GOPROXY", "GOFLAGS"):
        if k in os.environ:
            e[k] = os.environ[k]
        else:
            e.pop(k, None)
    e["GOFLAGS"] = "-mod=mod"
    return e


def prepare_module(go, env, work, module, version):
    """A writable copy of module at version, with its dependencies (tests included) in the
    module cache. Made once and reused."""
    name = module.rsplit("/", 1)[-1]
    dest = os.path.join(work, "%s-%s" % (name, version))
    stamp = os.path.join(dest, ".goescape-bench-ready")
    if os.path.exists(stamp):
        return dest
    log("getting %s@%s into a temporary module" % (module, version))
    tmp = os.path.join(work, name + "-get")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    fenv = fetch_env(env)
    subprocess.run([go, "mod", "init", "x"], cwd=tmp, env=fenv, check=True,
                   capture_output=True)
    subprocess.run([go, "get", "%s@%s" % (module, version)], cwd=tmp, env=fenv,
                   check=True, capture_output=True)
    src = subprocess.run([go, "list", "-m", "-f", "{{.Dir}}", module], cwd=tmp, env=fenv,
                         check=True, capture_output=True, text=True).stdout.strip()
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest, symlinks=True)
    for dirpath, dirnames, filenames in os.walk(dest):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                os.chmod(p, 0o644)
    subprocess.run([go, "mod", "download"], cwd=dest, env=fenv, check=True, capture_output=True)
    # The test dependencies too: go test -c needs them, and the runs are offline.
    subprocess.run([go, "list", "-test", "-deps", "./..."], cwd=dest, env=fenv, check=True,
                   capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)
    with open(stamp, "w") as f:
        f.write("%s@%s\n" % (module, version))
    return dest


def prepare_fasthttp(go, env, work):
    return prepare_module(go, env, work, FASTHTTP, FASTHTTP_VERSION)


def run_goescape(argv, cwd, env, out_path):
    """Runs goescape; returns (seconds, peak RSS in MB of its own process, exit status)."""
    t0 = time.monotonic()
    with open(out_path, "wb") as out:
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE)
        err = []
        t = threading.Thread(target=lambda: err.append(p.stderr.read()))
        t.start()
        hwm = 0
        while p.poll() is None:
            try:
                with open("/proc/%d/status" % p.pid) as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            hwm = max(hwm, int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.002)
        t.join()
    secs = time.monotonic() - t0
    if p.returncode != 0:
        log("goescape exited %d: %s" % (p.returncode, err[0][-2000:].decode(errors="replace")))
    return secs, hwm / 1024.0, p.returncode


def run_by_hand(calls, env):
    """Runs the recorded go calls one after another, output discarded; returns (seconds,
    largest ru_maxrss in MB)."""
    total, peak = 0.0, 0.0
    for cwd, args in calls:
        t0 = time.monotonic()
        p = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        total += time.monotonic() - t0
        peak = max(peak, ru.ru_maxrss / 1024.0)
    return total, peak


def recorded_calls(golog, real_go):
    calls = []
    with open(golog, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\037")
            calls.append((parts[0], [real_go] + parts[1:]))
    return calls


def measure(name, argv, cwd, env, wrapper, real_go, work, rounds):
    """Warm-up, then rounds alternating goescape and the go commands it ran by hand."""
    golog = os.path.join(work, "check-%s.golog" % name)
    out = os.path.join(work, "check-%s.out" % name)
    if os.path.exists(golog):
        os.unlink(golog)
    wenv = dict(env, GOESCAPE_BENCH_GOLOG=golog)
    full = argv[:2] + ["--go", wrapper] + argv[2:]
    log("warming the build cache: %s" % " ".join(argv[1:]))
    run_goescape(full, cwd, wenv, out)
    calls = recorded_calls(golog, real_go)
    run_by_hand(calls, env)
    ge_s, ge_rss, go_s, go_rss = [], [], [], []
    status = 0
    for r in range(rounds):
        order = (0, 1) if r % 2 == 0 else (1, 0)
        for side in order:
            if side == 0:
                s, rss, rc = run_goescape(full, cwd, env, out)
                ge_s.append(s)
                ge_rss.append(rss)
                status = status or rc
            else:
                s, rss = run_by_hand(calls, env)
                go_s.append(s)
                go_rss.append(rss)
    findings = None
    if "--format" in argv:
        try:
            with open(out) as f:
                findings = len(json.load(f)["findings"])
        except (OSError, ValueError) as e:
            log("%s: the JSON output does not parse: %s" % (name, e))
            findings = -1
    ratios = [a / b for a, b in zip(ge_s, go_s)]
    return {
        "ms": statistics.median(ge_s) * 1000.0,
        "go_ms": statistics.median(go_s) * 1000.0,
        "ratio": statistics.median(ratios),
        "rss_mb": max(ge_rss),
        "go_rss_mb": max(go_rss),
        "findings": findings,
        "status": status,
        "commands": [" ".join(a[1:4]) for _, a in calls],
    }


def figures(goescape, go, wrapper, env, work, rounds, only=None):
    """The check figures, as {name: value}: both runs, or only the one named ("fasthttp" or
    "std")."""
    res = {}
    if only in (None, "fasthttp"):
        fasthttp_figures(res, goescape, go, wrapper, env, work, rounds)
    if only in (None, "std"):
        std_figures(res, goescape, go, wrapper, env, work, rounds)
    return res


def fasthttp_figures(res, goescape, go, wrapper, env, work, rounds):
    fh = prepare_fasthttp(go, env, work)
    m = measure("fasthttp", [goescape, "check", "--format", "json", "./..."], fh, env, wrapper,
                go, work, rounds)
    res.update({"check_rss_mb_fasthttp_tests": m["rss_mb"],
                "check_go_rss_mb_fasthttp_tests": m["go_rss_mb"],
                "check_ms_fasthttp_tests": m["ms"],
                "check_go_ms_fasthttp_tests": m["go_ms"],
                "check_ratio_fasthttp_tests": m["ratio"],
                "check_findings_fasthttp_tests": m["findings"],
                "check_status_fasthttp_tests": m["status"]})


def std_figures(res, goescape, go, wrapper, env, work, rounds):
    # A round of std takes under two seconds, and one go run of it differs from the next by up
    # to 20 % on a shared machine: three times the rounds steady the median at little cost.
    m = measure("std", [goescape, "check", "--no-tests", "std"], work, env, wrapper, go, work,
                rounds * 3)
    res.update({"check_rss_mb_std": m["rss_mb"],
                "check_go_rss_mb_std": m["go_rss_mb"],
                "check_ms_std": m["ms"],
                "check_go_ms_std": m["go_ms"],
                "check_ratio_std": m["ratio"],
                "check_status_std": m["status"]})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--goescape", required=True)
    p.add_argument("--go", required=True, help="the real go binary")
    p.add_argument("--wrapper", help="a go that logs its calls to $GOESCAPE_BENCH_GOLOG")
    p.add_argument("--work", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--only", choices=("fasthttp", "std"),
                   help="measure one run only: fasthttp with tests, or std without")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    wrapper = a.wrapper
    if wrapper is None:
        wrapper = os.path.join(a.work, "go-logging")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\n"
                    "{ printf '%%s' \"$PWD\"; for a; do printf '\\037%%s' \"$a\"; done;"
                    " printf '\\n'; } >>\"${GOESCAPE_BENCH_GOLOG:-/dev/null}\"\n"
                    "exec '%s' \"$@\"\n" % a.go)
        os.chmod(wrapper, 0o755)
    env = dict(os.environ, GOTOOLCHAIN="local", GOPROXY="off", GOWORK="off")
    res = figures(os.path.abspath(a.goescape), a.go, wrapper, env, a.work, a.rounds, a.only)
    for k in sorted(res):
        print("%s=%s" % (k, res[k]))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
