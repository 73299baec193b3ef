"""`goescape check`, the command line for CI, against the real binary and the real go
toolchain: the goescape:ignore comment is honoured as in the editor (in all the forms users
write, and not when the words are in a string), bad flags are named, --help is full help, and
./... over several packages gives one valid JSON document with the same findings as one run
per package.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

MODULE = "example.com/clicheck"

IGNORE_GO = '''\
// Package ign has findings hidden by goescape:ignore comments in the forms users write, next
// to findings that stay visible.
package ign

// Shown keeps its finding.
func Shown() *int {
	x := 1
	return &x
}

// Above is hidden by the comment on the line above.
func Above() *int {
	//goescape:ignore
	y := 2
	return &y
}

// SameLine is hidden by a comment with a reason at the end of the line.
func SameLine() *int {
	z := 3 //goescape:ignore reused by every caller
	return &z
}

// Spaced is hidden by the form with a space, which gofmt leaves alone.
func Spaced() *int {
	// goescape:ignore: measured, not on a hot path
	v := 4
	return &v
}

// Reason is hidden by a comment group whose first line is the mark.
func Reason() *int {
	// goescape:ignore
	// The caller keeps the pointer for the life of the process.
	r := 5
	return &r
}

// InString is not hidden: the words are in a string literal, not a comment.
func InString() (*int, string) {
	u, s := 6, "// goescape:ignore"
	return &u, s
}

// TwoAbove is not hidden: a blank line separates the comment.
func TwoAbove() *int {
	// goescape:ignore

	w := 7
	return &w
}
'''

VISIBLE = {"x", "u", "w"}

A_GO = '''\
package a

func A() *int {
	a := 1
	return &a
}

func M() map[string]int {
	return map[string]int{"k": 1}
}
'''

B_GO = '''\
package b

import "fmt"

func B(n int) string {
	b := n
	return fmt.Sprint(&b, n)
}
'''

B_TEST_GO = '''\
package b

import "testing"

func TestB(t *testing.T) {
	bt := 3
	p := &bt
	t.Log(p)
}
'''

# The tools.go pattern: every file excluded by a build constraint.
TOOLS_GO = '''\
//go:build tools

package tools
'''


def write_module(root: Path) -> Path:
    files = {
        "go.mod": f"module {MODULE}\n\ngo 1.21\n",
        "ign/ign.go": IGNORE_GO,
        "a/a.go": A_GO,
        "b/b.go": B_GO,
        "b/b_test.go": B_TEST_GO,
        "tools/tools.go": TOOLS_GO,
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


@pytest.fixture
def mod(tmp_path) -> Path:
    return write_module(tmp_path / "ws" / "clicheck")


def check(goescape_bin: str, cwd: Path, *args: str, tmp: Path | None = None):
    env = dict(os.environ)
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    return subprocess.run([goescape_bin, "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env=env)


def moved_names(messages) -> set[str]:
    return {m.group(1) for m in (re.match(r"^(\S+) moved to heap", t) for t in messages) if m}


# -- the ignore comment ------------------------------------------------------------------------

def test_check_honours_ignore_comments(goescape_bin, mod, tmp_path):
    r = check(goescape_bin, mod / "ign", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    names = moved_names(line.split(": ", 2)[2] for line in lines if line.count(": ") >= 2)
    assert names == VISIBLE, f"text output shows {sorted(names)}:\n{r.stdout}"

    r = check(goescape_bin, mod / "ign", "--format", "json", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert moved_names(f["message"] for f in doc["findings"]) == VISIBLE, r.stdout
    # --all adds other categories; it does not undo the comments.
    r = check(goescape_bin, mod / "ign", "--all", "--format=json", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert moved_names(f["message"] for f in json.loads(r.stdout)["findings"]) == VISIBLE


async def test_editor_honours_the_same_forms(lsp, mod):
    s = await lsp(mod)
    mark = s.mark()
    s.open("ign/ign.go")
    await s.wait_analysis(f"{MODULE}/ign", mark)
    await s.quiet(0.3)
    names = moved_names(d["message"] for d in s.diagnostics("ign/ign.go"))
    assert names == VISIBLE, f"the editor shows {sorted(names)}"
    hints = await s.inlay_hints("ign/ign.go")
    assert len(hints) == len(s.diagnostics("ign/ign.go")), "hints for hidden findings"


# -- flags ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--formt"], "unknown flag --formt"),
    (["-x", "./..."], "unknown flag -x"),
    (["--format"], "flag --format needs a value"),
    (["--format", "yaml"], "bad value for --format: yaml"),
    (["--format=yaml"], "bad value for --format: yaml"),
    (["--go"], "flag --go needs a value"),
    (["--tags"], "flag --tags needs a value"),
])
def test_bad_flags_are_named(goescape_bin, mod, tmp_path, args, words):
    r = check(goescape_bin, mod, *args, tmp=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == "", "a usage error printed to stdout"
    assert words in r.stderr, r.stderr
    assert "usage: goescape check" in r.stderr
    assert "--help" in r.stderr


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_flag_and_exits_0(goescape_bin, mod, tmp_path, flag):
    r = check(goescape_bin, mod, flag, tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for f in ("--format text", "--format json", "--json", "--no-tests", "--all", "--go PATH",
              "--tags TAGS", "-h, --help"):
        assert f in out, f"{f} is not in the help:\n{out}"
    assert "Exit status" in out and re.search(r"^\s+2\s", out, re.M), out
    assert "goescape:ignore" in out
    # Help is asked for, so nothing runs: even with other flags before it.
    r2 = check(goescape_bin, mod, "--no-tests", flag, tmp=tmp_path)
    assert r2.returncode == 0 and r2.stdout == out


def test_top_level_help(goescape_bin, tmp_path):
    for flag in ("--help", "-h"):
        r = subprocess.run([goescape_bin, flag], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert "goescape check" in r.stdout and "--log-file" in r.stdout


# -- ./... as one JSON document ------------------------------------------------------------------

def finding_key(f: dict) -> tuple:
    return (f["file"], f["line"], f["column"], f["endLine"], f["endColumn"], f["category"],
            f["message"], json.dumps(f["flow"], sort_keys=True))


def test_json_over_packages_is_one_document_with_the_per_package_findings(goescape_bin, mod,
                                                                           tmp_path):
    r = check(goescape_bin, mod, "--format", "json", "./...", tmp=tmp_path)
    # tools/ has nothing to compile; go build skips it, and so does check.
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc) == {"findings", "errors"} and doc["errors"] == []
    whole = [finding_key(f) for f in doc["findings"]]
    per_package = []
    for pkg in ("a", "b", "ign"):
        rp = check(goescape_bin, mod, "--format", "json", f"./{pkg}", tmp=tmp_path)
        assert rp.returncode == 0, rp.stderr
        found = [finding_key(f) for f in json.loads(rp.stdout)["findings"]]
        assert found, f"no findings in {pkg}"
        per_package += found
    # The same findings, in the same order: by package, file and position.
    assert whole == per_package
    files = [f["file"] for f in doc["findings"]]
    assert {"a/a.go", "b/b.go", "b/b_test.go", "ign/ign.go"} <= set(files)
    assert moved_names(f["message"] for f in doc["findings"]) == VISIBLE | {"a", "b", "bt"}
    # Nothing is left in the temporary directory, and nothing was written into the module.
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("goescape-check")]


def test_no_findings_is_still_a_document(goescape_bin, tmp_path):
    root = tmp_path / "ws" / "empty"
    root.mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/empty\n\ngo 1.21\n")
    (root / "e.go").write_text("package e\n\nfunc E(n int) int { return n + 1 }\n")
    r = check(goescape_bin, root, "--format", "json", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"findings": [], "errors": []}


CGO_GO = '''\
package c

/*
#warning "a warning from the C compiler"
static int one(void) { return 1; }
*/
import "C"

func One() *int {
	cx := int(C.one())
	return &cx
}
'''


@pytest.mark.skipif(shutil.which("gcc") is None and shutil.which("cc") is None,
                    reason="cgo needs a C compiler")
def test_cgo_package_with_c_warnings_keeps_its_findings(goescape_bin, mod, tmp_path):
    # go build prints the C compiler's warnings under the package's header, in a block of
    # their own before the compiler's; check must wait for both.
    (mod / "c").mkdir()
    (mod / "c" / "c.go").write_text(CGO_GO)
    for args in (["--no-tests", "./..."], ["./..."]):
        r = check(goescape_bin, mod, *args, tmp=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "cx moved to heap" in r.stdout, (args, r.stdout, r.stderr)
        assert "after its block" not in r.stderr


# -- go list and the go command start together ---------------------------------------------------

def logging_go(tmp_path: Path, list_delay: float) -> tuple[Path, Path]:
    """A go that logs when each command starts and ends, and whose go list takes list_delay
    seconds longer; returns (the go, its log)."""
    log = tmp_path / "go.log"
    go = tmp_path / "go-logging"
    go.write_text(f"""#!/bin/sh
echo "start $1 $(date +%s.%N)" >> '{log}'
if [ "$1" = list ]; then sleep {list_delay}; fi
'{shutil.which("go")}' "$@"
rc=$?
echo "end $1 $(date +%s.%N)" >> '{log}'
exit $rc
""")
    go.chmod(0o755)
    return go, log


def go_log(log: Path) -> list[tuple[str, str, float]]:
    return [(w[0], w[1], float(w[2])) for w in (line.split() for line in log.read_text().splitlines())]


def test_the_go_command_starts_while_go_list_runs(goescape_bin, mod, tmp_path):
    # The go command loads the packages about as long as go list does: when it can be told
    # from the targets, it runs meanwhile instead of after the list.
    want = check(goescape_bin, mod, "--format", "json", "./...", tmp=tmp_path)
    assert want.returncode == 0, want.stderr
    go, log = logging_go(tmp_path, 2.0)
    r = check(goescape_bin, mod, "--go", str(go), "--format", "json", "./...", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == want.stdout
    events = go_log(log)
    starts = {cmd: t for what, cmd, t in events if what == "start"}
    assert sorted(starts) == ["list", "test"], events
    list_end = next(t for what, cmd, t in events if what == "end" and cmd == "list")
    assert starts["test"] < list_end, f"the go command waited for go list: {events}"


TEST_ONLY_GO = '''\
package t

import "testing"

func TestT(t *testing.T) {
	v := 1
	t.Log(&v)
}
'''


def test_a_go_command_started_early_that_the_list_rules_out_is_replaced(goescape_bin, mod,
                                                                          tmp_path):
    # ./t has only a test file: without tests there is nothing to compile, and go build over
    # the targets as given would stop on it. The command started with the list is stopped, and
    # the one over the listed packages runs.
    (mod / "t").mkdir()
    (mod / "t" / "t_test.go").write_text(TEST_ONLY_GO)
    go, log = logging_go(tmp_path, 0.5)
    r = check(goescape_bin, mod, "--go", str(go), "--no-tests", "./t", "./a", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "a moved to heap" in r.stdout, r.stdout
    assert "no non-test Go files" not in r.stderr + r.stdout
    builds = [t for what, cmd, t in go_log(log) if what == "start" and cmd == "build"]
    assert len(builds) == 2, go_log(log)


# -- --no-tests: the compiled files only ---------------------------------------------------------

FIELD_GO = '''\
package p

// H names a user, as archive/tar's Header does.
type H struct{ Uname string }

// Name hands the field on as an interface value.
func Name(h *H) any {
	return h.Uname
}
'''

FIELD_TEST_GO = '''\
package p

import "testing"

type fake struct{}

func (fake) Uname() string { return "" }

func TestName(t *testing.T) { _ = fake{}.Uname() }
'''


def test_no_tests_words_findings_without_the_test_files_declarations(goescape_bin, mod,
                                                                       tmp_path):
    # Without tests, the method that p_test.go declares is not part of the build: h.Uname is
    # the field, converted to an interface, not a method value.
    (mod / "p").mkdir()
    (mod / "p" / "p.go").write_text(FIELD_GO)
    (mod / "p" / "p_test.go").write_text(FIELD_TEST_GO)
    r = check(goescape_bin, mod, "--no-tests", "./p", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("p/p.go:8:9: interface: h.Uname escapes to heap: converted to "
                               "interface"), r.stdout


SUM_TEST_GO = '''\
package p

import "testing"

// sum adds the values up without keeping them.
//
//goescape:noescape
func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func TestSum(t *testing.T) {
	if sum([]int{1, 2}) != 3 {
		t.Fail()
	}
}
'''


def test_no_tests_reports_no_assertion_of_a_test_file(goescape_bin, mod, tmp_path):
    # The assertion holds when the tests are built. Without them its file is not compiled:
    # there is no code to match, and nothing to report.
    (mod / "p").mkdir()
    (mod / "p" / "p.go").write_text(FIELD_GO)
    (mod / "p" / "p_test.go").write_text(SUM_TEST_GO)
    r = check(goescape_bin, mod, "./p", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "assertion" not in r.stdout, r.stdout
    r = check(goescape_bin, mod, "--no-tests", "./p", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "p_test.go" not in r.stdout, r.stdout
    assert "h.Uname escapes to heap" in r.stdout, r.stdout
