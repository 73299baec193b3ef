"""Baselines and new escapes in `goescape check`, against the real binary, the real go
toolchain and real git: a baseline hides exactly the findings it holds, wherever they move;
a function added after it is all that is reported; --fail-on gives CI an exit status of its
own; --format github prints workflow commands escaped as the runner reads them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PKG_GO = '''\
package store

// Get returns a pointer to a fresh value.
func Get() *int {
	x := 1
	return &x
}

// Collect takes the address of several values of the same name: equal findings, told apart
// by their order.
func Collect() []*int {
	var out []*int
	for i := 0; i < 2; i++ {
		v := i
		out = append(out, &v)
	}
	for i := 0; i < 2; i++ {
		v := i * 2
		out = append(out, &v)
	}
	return out
}

// Index builds a map.
func Index(keys []string) map[string]int {
	m := make(map[string]int)
	for i, k := range keys {
		m[k] = i
	}
	return m
}
'''

ADDED_GO = '''
// Added allocates in three ways.
func Added(n int) (*int, []byte, func() int) {
	y := n
	b := make([]byte, n)
	return &y, b, func() int { return y + n }
}
'''


def write_module(root: Path) -> Path:
    (root / "store").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/basecheck\n\ngo 1.21\n")
    (root / "store" / "store.go").write_text(PKG_GO)
    return root


@pytest.fixture
def mod(tmp_path) -> Path:
    return write_module(tmp_path / "ws" / "basecheck")


def check(goescape_bin: str, cwd: Path, *args: str, tmp: Path):
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.run([goescape_bin, "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env=env)


def findings(goescape_bin: str, cwd: Path, *args: str, tmp: Path) -> list[dict]:
    r = check(goescape_bin, cwd, "--format", "json", *args, "./...", tmp=tmp)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["findings"]


def test_baseline_reports_exactly_the_added_function(goescape_bin, mod, tmp_path):
    base = tmp_path / "escapes.baseline"
    r = check(goescape_bin, mod, "--write-baseline", str(base), "./...", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = base.read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    before = findings(goescape_bin, mod, tmp=tmp_path)
    assert len(entries) == len(before) >= 6
    # Sorted lines, one finding each, with what a reviewer needs to read the diff.
    assert lines == sorted(lines)
    for e in entries:
        assert set(e) == {"package", "function", "category", "subject", "cause",
                          "fingerprint", "file"}
        assert e["package"] == "example.com/basecheck/store"
        assert re.fullmatch(r"store/store\.go:\d+", e["file"])
        assert re.fullmatch(r"[0-9a-f]{16}", e["fingerprint"])
    assert {e["fingerprint"] for e in entries} == {f["fingerprint"] for f in before}
    # The four "v moved to heap" in Collect are equal but for their order.
    assert len({e["fingerprint"] for e in entries}) == len(entries)
    assert sum(e["function"] == "Collect" and e["subject"] == "v" for e in entries) >= 2

    r = check(goescape_bin, mod, "--baseline", str(base), "./...", tmp=tmp_path)
    assert (r.returncode, r.stdout) == (0, ""), r.stderr

    with (mod / "store" / "store.go").open("a") as f:
        f.write(ADDED_GO)
    after = findings(goescape_bin, mod, tmp=tmp_path)
    added = [f for f in after if f["fingerprint"] not in {e["fingerprint"] for e in entries}]
    new = findings(goescape_bin, mod, "--baseline", str(base), tmp=tmp_path)
    assert new == added
    assert len(new) >= 3
    lines_of_added = range(PKG_GO.count("\n") + 2, PKG_GO.count("\n") + ADDED_GO.count("\n") + 1)
    assert all(f["line"] in lines_of_added for f in new), new
    assert {f["subject"] for f in new} >= {"y", "make([]byte, n)"}


def test_moving_every_line_keeps_the_baseline(goescape_bin, mod, tmp_path):
    base = tmp_path / "escapes.baseline"
    r = check(goescape_bin, mod, "--write-baseline", str(base), "./...", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    before = findings(goescape_bin, mod, tmp=tmp_path)
    src = mod / "store" / "store.go"
    src.write_text("// Package store keeps values.\n//\n// It has a doc comment now,\n"
                   "// five lines long,\n// above the package clause.\n" + PKG_GO)
    after = findings(goescape_bin, mod, tmp=tmp_path)
    assert [f["line"] for f in after] == [f["line"] + 5 for f in before]
    assert [f["fingerprint"] for f in after] == [f["fingerprint"] for f in before]
    r = check(goescape_bin, mod, "--baseline", str(base), "--fail-on", "new", "./...",
              tmp=tmp_path)
    assert (r.returncode, r.stdout) == (0, ""), r.stderr


def test_fail_on_sets_the_exit_status(goescape_bin, mod, tmp_path):
    base = tmp_path / "escapes.baseline"
    assert check(goescape_bin, mod, "--write-baseline", str(base), tmp=tmp_path,
                 ).returncode == 1  # the module root has no package: nothing written
    assert not base.exists()
    assert check(goescape_bin, mod, "--write-baseline", str(base), "./...",
                 tmp=tmp_path).returncode == 0

    def status(*args):
        return check(goescape_bin, mod, *args, "./...", tmp=tmp_path).returncode

    assert status() == 0
    assert status("--fail-on", "none") == 0
    assert status("--fail-on", "any") == 3
    assert status("--fail-on=new") == 3  # without a baseline every finding is new
    assert status("--baseline", str(base), "--fail-on", "new") == 0
    assert status("--baseline", str(base), "--fail-on", "any") == 3
    with (mod / "store" / "store.go").open("a") as f:
        f.write(ADDED_GO)
    assert status("--baseline", str(base), "--fail-on", "new") == 3
    assert status("--baseline", str(base)) == 0
    # A build that fails is 1, whatever --fail-on says.
    with (mod / "store" / "store.go").open("a") as f:
        f.write("\nfunc Broken() { undefined() }\n")
    assert status("--baseline", str(base), "--fail-on", "new") == 1
    assert status("--fail-on", "any") == 1


@pytest.mark.parametrize("args, words", [
    (["--fail-on", "sometimes"], "bad value for --fail-on: sometimes"),
    (["--fail-on"], "flag --fail-on needs a value"),
    (["--baseline"], "flag --baseline needs a value"),
    (["--write-baseline="], "flag --write-baseline needs a value"),
    (["--format", "xml"], "bad value for --format: xml"),
])
def test_bad_flags_are_usage_errors(goescape_bin, mod, tmp_path, args, words):
    r = check(goescape_bin, mod, *args, tmp=tmp_path)
    assert r.returncode == 2
    assert words in r.stderr
    assert r.stdout == ""


def test_unreadable_baselines_are_usage_errors(goescape_bin, mod, tmp_path):
    r = check(goescape_bin, mod, "--baseline", str(tmp_path / "missing"), "./...", tmp=tmp_path)
    assert r.returncode == 2
    assert "cannot read baseline" in r.stderr and "No such file" in r.stderr
    bad = tmp_path / "bad.baseline"
    bad.write_text('{"fingerprint": "0123456789abcdef"}\n\n{"fingerprint": 12}\n')
    r = check(goescape_bin, mod, "--baseline", str(bad), "./...", tmp=tmp_path)
    assert r.returncode == 2
    assert f"{bad}:3: not a baseline entry" in r.stderr
    assert r.stdout == ""
    big = tmp_path / "big.baseline"
    with big.open("wb") as f:
        f.truncate(65 * 1024 * 1024)
    r = check(goescape_bin, mod, "--baseline", str(big), "./...", tmp=tmp_path)
    assert r.returncode == 2
    assert "larger than 64 MB" in r.stderr


GITHUB_LINE = re.compile(r"::warning file=(?P<file>[^,]*),line=(?P<line>\d+),col=(?P<col>\d+),"
                         r"endLine=(?P<endLine>\d+),endColumn=(?P<endColumn>\d+),"
                         r"title=(?P<title>[^:]*)::(?P<message>.*)")


def unescape(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace(
        "%2C", ",").replace("%25", "%")


def test_github_format_is_one_workflow_command_per_finding(goescape_bin, mod, tmp_path):
    # A file name with a comma, which must be escaped in the file property.
    (mod / "store" / "store.go").rename(mod / "store" / "st,ore.go")
    want = findings(goescape_bin, mod, tmp=tmp_path)
    r = check(goescape_bin, mod, "--format", "github", "./...", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == len(want)
    for line, f in zip(lines, want):
        m = GITHUB_LINE.fullmatch(line)
        assert m, line
        assert m["file"] == "store/st%2Core.go"
        assert unescape(m["file"]) == f["file"]
        assert [int(m[k]) for k in ("line", "col", "endLine", "endColumn")] == [
            f["line"], f["column"], f["endLine"], f["endColumn"]]
        assert unescape(m["title"]) == "goescape: " + f["category"]
        assert "\r" not in m["message"] and "%" not in m["message"].replace(
            "%0A", "").replace("%25", "")
        msg = unescape(m["message"]).split("\n")
        assert msg[0] == f["message"]
        assert [s.strip().split(" (")[0] for s in msg[1:]] == [
            s["message"].split(" (")[0] for s in f["flow"]]


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env).stdout


def test_new_from_rev_reports_what_the_second_commit_added(goescape_bin, mod, tmp_path):
    git(mod, "init", "-q")
    git(mod, "add", ".")
    git(mod, "commit", "-qm", "first")
    before = findings(goescape_bin, mod, tmp=tmp_path)
    src = mod / "store" / "store.go"
    # The second commit moves every line (a doc comment above) and adds a function.
    src.write_text("// Package store keeps values.\n//\n" + PKG_GO + ADDED_GO)
    git(mod, "commit", "-qam", "second")
    status_before = git(mod, "status", "--porcelain")
    after = findings(goescape_bin, mod, tmp=tmp_path)
    added = [f for f in after if f["fingerprint"] not in {b["fingerprint"] for b in before}]
    assert len(added) >= 3

    work = tmp_path / "tmp"
    work.mkdir()
    r = check(goescape_bin, mod, "--new-from-rev", "HEAD~1", "--format", "json", "--fail-on",
              "new", "./...", tmp=work)
    assert r.returncode == 3, r.stderr
    assert json.loads(r.stdout)["findings"] == added
    # From the package's own directory, with the default target, the same.
    r = check(goescape_bin, mod / "store", "--new-from-rev=HEAD~1", "--format=json", tmp=work)
    assert r.returncode == 0, r.stderr
    assert [(f["fingerprint"], f["line"]) for f in json.loads(r.stdout)["findings"]] == [
        (f["fingerprint"], f["line"]) for f in added]
    # Against HEAD nothing is new.
    r = check(goescape_bin, mod, "--new-from-rev", "HEAD", "--fail-on", "new", "./...", tmp=work)
    assert (r.returncode, r.stdout) == (0, ""), r.stderr
    # The user's tree is untouched; the temporary worktree is gone and unregistered.
    assert git(mod, "status", "--porcelain") == status_before
    assert list(work.iterdir()) == []
    assert git(mod, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_new_from_rev_errors(goescape_bin, mod, tmp_path):
    r = check(goescape_bin, mod, "--new-from-rev", "HEAD", "./...", tmp=tmp_path)
    assert r.returncode == 1
    assert "not a git repository" in r.stderr.lower()
    git(mod, "init", "-q")
    git(mod, "add", ".")
    git(mod, "commit", "-qm", "first")
    r = check(goescape_bin, mod, "--new-from-rev", "no-such-branch", "./...", tmp=tmp_path)
    assert r.returncode == 2
    assert "no commit no-such-branch" in r.stderr
    r = check(goescape_bin, mod, "--new-from-rev", "--upload-pack=x", "./...", tmp=tmp_path)
    assert r.returncode == 2
    r = check(goescape_bin, mod, "--new-from-rev", "HEAD", "--baseline", "f", tmp=tmp_path)
    assert r.returncode == 2
    # A revision that does not build fails the run with 1 and leaves no worktree behind.
    (mod / "store" / "store.go").write_text(PKG_GO + "\nfunc Broken() { undefined() }\n")
    git(mod, "commit", "-qam", "broken")
    (mod / "store" / "store.go").write_text(PKG_GO)
    work = tmp_path / "tmp"
    work.mkdir()
    r = check(goescape_bin, mod, "--new-from-rev", "HEAD", "./...", tmp=work)
    assert r.returncode == 1
    assert "cannot analyze HEAD" in r.stderr and "undefined" in r.stderr
    assert list(work.iterdir()) == []
    assert git(mod, "worktree", "list", "--porcelain").count("worktree ") == 1


# The official SARIF validator, pinned, installed once into a cache outside the repository.
SARIF_MULTITOOL = "@microsoft/sarif-multitool@5.7.0"
SARIF_CACHE = Path(os.environ.get("GOESCAPE_SARIF_CACHE")
                   or Path.home() / ".cache" / "goescape-sarif")


def sarif_validator() -> Path:
    """The validator's native binary (the npm package bundles a self-contained build)."""
    exe = SARIF_CACHE / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    if not exe.exists():
        r = None
        if shutil.which("npm"):
            r = subprocess.run(["npm", "install", "--prefix", str(SARIF_CACHE), "--no-audit",
                                "--no-fund", SARIF_MULTITOOL], capture_output=True, text=True,
                               timeout=600)
        if not exe.exists():
            why = (f"cannot install {SARIF_MULTITOOL}: " +
                   (r.stderr[-2000:] if r is not None else "npm is missing"))
            if os.environ.get("CI") == "true":
                pytest.fail(why)
            pytest.skip(why)
    # npm may leave out the package's postinstall step, which only makes it executable.
    exe.chmod(exe.stat().st_mode | 0o100)
    return exe


def validate_sarif(path: Path, tmp: Path) -> list[dict]:
    """Runs the official validator; returns its errors and warnings (empty when valid)."""
    out = tmp / (path.name + ".validation.sarif")
    r = subprocess.run([str(sarif_validator()), "validate", str(path), "--output", str(out),
                        "--log", "ForceOverwrite"], capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1"))
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(out.read_text())
    return [(x["ruleId"], x.get("level", "warning"), x["message"]) for x in
            report["runs"][0].get("results", [])]


def test_sarif_is_valid_and_carries_fingerprints_flows_and_baseline_state(goescape_bin, mod,
                                                                          tmp_path):
    base = tmp_path / "escapes.baseline"
    assert check(goescape_bin, mod, "--write-baseline", str(base), "./...",
                 tmp=tmp_path).returncode == 0
    with (mod / "store" / "store.go").open("a") as f:
        f.write(ADDED_GO)
    want = findings(goescape_bin, mod, tmp=tmp_path)
    known = {json.loads(line)["fingerprint"] for line in base.read_text().splitlines()}

    plain = tmp_path / "plain.sarif"
    r = check(goescape_bin, mod, "--format", "sarif", "./...", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    plain.write_text(r.stdout)
    with_base = tmp_path / "base.sarif"
    r = check(goescape_bin, mod, "--format=sarif", "--baseline", str(base), "--fail-on", "new",
              "./...", tmp=tmp_path)
    assert r.returncode == 3, r.stderr
    with_base.write_text(r.stdout)
    everything = tmp_path / "all.sarif"
    r = check(goescape_bin, mod, "--format", "sarif", "--all", "./...", tmp=tmp_path)
    everything.write_text(r.stdout)

    for p in (plain, with_base, everything):
        assert validate_sarif(p, tmp_path) == []

    doc = json.loads(plain.read_text())
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    categories = [rule["properties"]["category"] for rule in rules]
    assert len(set(categories)) == len(categories) >= 8
    assert all(rule["help"]["text"] for rule in rules)
    assert "sync.Pool" in rules[categories.index("map")]["help"]["text"]
    results = run["results"]
    assert len(results) == len(want)
    for res, f in zip(results, want):
        assert categories[res["ruleIndex"]] == f["category"]
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["partialFingerprints"] == {"goescapeFingerprint/v1": f["fingerprint"]}
        assert res["message"]["text"] == f["message"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "store/store.go", "uriBaseId": "SRCROOT"}
        assert [loc["region"][k] for k in ("startLine", "startColumn", "endLine",
                                            "endColumn")] == [
            f["line"], f["column"], f["endLine"], f["endColumn"]]
        steps = res["codeFlows"][0]["threadFlows"][0]["locations"]
        assert [s["location"]["message"]["text"] for s in steps] == [
            s["message"] for s in f["flow"]]
        assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [
            s["line"] for s in f["flow"]]
        assert "baselineState" not in res
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == mod.resolve().as_uri() + "/"
    assert run["invocations"][0]["executionSuccessful"] is True

    states = {r["partialFingerprints"]["goescapeFingerprint/v1"]: r["baselineState"]
              for r in json.loads(with_base.read_text())["runs"][0]["results"]}
    assert states == {f["fingerprint"]: "unchanged" if f["fingerprint"] in known else "new"
                      for f in want}
    assert list(states.values()).count("new") >= 3


def test_sarif_validator_rejects_a_broken_log(tmp_path):
    """The validation above can fail: a log with a region starting at line 0 is an error."""
    bad = tmp_path / "bad.sarif"
    bad.write_text(json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {
        "name": "goescape", "version": "0", "informationUri": "https://example.com"}},
        "results": [{"ruleId": "GE1001", "message": {"text": "m"}, "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": "a.go"},
                                 "region": {"startLine": 0}}}]}]}]}))
    assert any(level == "error" for _, level, _ in validate_sarif(bad, tmp_path))


def test_interrupted_new_from_rev_removes_its_worktree(goescape_bin, mod, tmp_path):
    """Ctrl-C while the revision is analyzed: the compiler is stopped, the temporary worktree
    removed and unregistered, and the run ends with 128 + SIGINT."""
    import signal
    import time
    git(mod, "init", "-q")
    git(mod, "add", ".")
    git(mod, "commit", "-qm", "first")
    marker = tmp_path / "slow-go.pid"
    real_go = shutil.which("go")
    fake = tmp_path / "slow-go"
    # The go build of the revision hangs; everything else is the real go.
    fake.write_text(f'''#!/bin/sh
case "$PWD" in *goescape-rev-*)
  case "$1" in build|test) echo $$ > "{marker}"; exec sleep 300;; esac;;
esac
exec "{real_go}" "$@"
''')
    fake.chmod(0o755)
    work = tmp_path / "tmp"
    work.mkdir()
    p = subprocess.Popen([goescape_bin, "check", "--go", str(fake), "--new-from-rev", "HEAD",
                          "./..."], cwd=mod, env=dict(os.environ, TMPDIR=str(work)),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() or not marker.read_text().strip():
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the revision's build never started"
            time.sleep(0.05)
        slow = int(marker.read_text())
        assert len(list(work.iterdir())) == 1
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 128 + signal.SIGINT, err
    assert "interrupted" in err
    assert out == ""
    assert list(work.iterdir()) == []
    assert git(mod, "worktree", "list", "--porcelain").count("worktree ") == 1
    try:
        os.kill(slow, 0)
    except ProcessLookupError:
        return
    os.kill(slow, signal.SIGKILL)
    pytest.fail("the revision's go command outlived the run")


def test_help_names_the_new_flags_and_exit_statuses(goescape_bin, mod, tmp_path):
    out = check(goescape_bin, mod, "--help", tmp=tmp_path).stdout
    for f in ("--format sarif", "--format github", "--baseline FILE", "--write-baseline FILE",
              "--new-from-rev REV", "--fail-on new|any|none", "--quiet", "fingerprint"):
        assert f in out, f"{f} is not in the help:\n{out}"
    assert re.search(r"^\s+3\s+--fail-on", out, re.M), out


UNFORMATTED_GO = '''\
package store
func Pairs(n int)([]*int,map[string][]int){
	a,b:=n,n+1
	return append([]*int{},&a,&b),map[string][]int{"x":[]int{a,b},
		"y":{b}}
}
'''


def test_gofmt_keeps_the_baseline(goescape_bin, mod, tmp_path):
    (mod / "store" / "pairs.go").write_text(UNFORMATTED_GO)
    base = tmp_path / "escapes.baseline"
    assert check(goescape_bin, mod, "--write-baseline", str(base), "./...",
                 tmp=tmp_path).returncode == 0
    before = findings(goescape_bin, mod, tmp=tmp_path)
    subprocess.run(["go", "fmt", "./..."], cwd=mod, check=True, capture_output=True)
    assert (mod / "store" / "pairs.go").read_text() != UNFORMATTED_GO
    after = findings(goescape_bin, mod, tmp=tmp_path)
    assert len(after) == len(before)
    assert [f["line"] for f in after] != [f["line"] for f in before]
    r = check(goescape_bin, mod, "--baseline", str(base), "--fail-on", "new", "./...",
              tmp=tmp_path)
    assert (r.returncode, r.stdout) == (0, ""), r.stdout + r.stderr
