"""Assertions in comments against the real compiler: goescape:noescape (and gcassert's
spelling) on a line or in a function's doc comment, goescape:allow with and without a reason.
A fixture with honoured and broken assertions gives exactly the expected errors in the editor
and in `goescape check`, which fails the run with status 3; an escape accepted with a reason
is a hint that carries it, and an assertion left over a blank line matches no code."""

from __future__ import annotations

import subprocess

import pytest

pytestmark = pytest.mark.timeout(180)

PKG = "example.com/assertions"
FILE = "asserts.go"

# (0-based line, severity, message) of every assertion diagnostic of the fixture.
EXPECTED = [
    (15, 1, "goescape:noescape broken: y moved to heap: returned from Broken"),
    (22, 1, "gcassert:noescape broken: s escapes to heap: converted to interface "
            "(argument of fmt.Println)"),
    (33, 1, "goescape:allow needs a reason: //goescape:allow <why this escape is accepted>"),
    (41, 1, "goescape:noescape on this function broken: new(int) escapes to heap: stored in "
            "the global sink"),
    (47, 2, "goescape:noescape matches no code the compiler reported on (was its line moved "
            "or deleted?)"),
]

CLI_EXPECTED = """\
asserts.go:16:2: assertion: goescape:noescape broken: y moved to heap: returned from Broken
asserts.go:23:14: assertion: gcassert:noescape broken: s escapes to heap: converted to interface (argument of fmt.Println)
asserts.go:34:2: moved: w moved to heap: returned from Bare
asserts.go:34:9: assertion: goescape:allow needs a reason: //goescape:allow <why this escape is accepted>
asserts.go:42:9: assertion: goescape:noescape on this function broken: new(int) escapes to heap: stored in the global sink
asserts.go:48:2: assertion: goescape:noescape matches no code the compiler reported on (was its line moved or deleted?)
asserts.go:55:2: moved: v moved to heap: returned from Plain
"""


async def opened(lsp, module):
    root = module("assertions")
    s = await lsp(root)
    mark = s.mark()
    s.open(FILE)
    status = await s.wait_analysis(PKG, mark)
    assert status["state"] == "idle", status
    await s.quiet(0.3)
    return s, root


async def test_editor_shows_exactly_the_broken_assertions(lsp, module):
    s, _ = await opened(lsp, module)
    diags = s.diagnostics(FILE)
    got = sorted((d["range"]["start"]["line"], d["severity"], d["message"])
                 for d in diags if d.get("code") == "assertion")
    assert got == EXPECTED
    # A broken assertion stands at the escaping expression and takes the finding's place.
    by_line = {d["range"]["start"]["line"]: d for d in diags}
    assert by_line[15]["range"]["start"]["character"] == 1
    assert [d["code"] for d in diags if d["range"]["start"]["line"] == 15] == ["assertion"]
    assert by_line[15].get("relatedInformation"), "the flow goes with a broken assertion"
    # The honoured assertion (line 10) gives nothing.
    assert not [d for d in diags if d["range"]["start"]["line"] == 10]


async def test_allowed_escape_is_a_hint_with_its_reason(lsp, module):
    s, _ = await opened(lsp, module)
    [d] = [d for d in s.diagnostics(FILE) if d["range"]["start"]["line"] == 27]
    assert d["severity"] == 4
    assert d["code"] == "moved"
    assert d["message"] == ("allowed by goescape:allow (returned to the caller by design): "
                            "z moved to heap: returned from Allowed")
    # The bare allow accepts nothing: the escape stays as it was, next to its error.
    bare = sorted((d["code"], d["message"]) for d in s.diagnostics(FILE)
                  if d["range"]["start"]["line"] == 33)
    assert [c for c, _ in bare] == ["assertion", "moved"]
    assert bare[1][1] == "w moved to heap: returned from Bare"


async def test_moved_line_leaves_the_assertion_unmatched(lsp, module):
    s, _ = await opened(lsp, module)
    text = s.text_of(FILE)
    lines = text.split("\n")
    # The comment stays; the line it covered is moved below a blank line.
    i = lines.index("\t//gcassert:noescape")
    lines[i + 1:i + 2] = []
    lines.insert(i + 1, "")
    lines.insert(i + 2, "\tfmt.Println(s)")
    mark = s.mark()
    s.change(FILE, None, "\n".join(lines))
    uri = s.uri(FILE)
    diags = await s.wait_publish(uri, mark, lambda ds: any(
        d["message"].startswith("gcassert:noescape matches no code") for d in ds),
        what="the moved assertion reported")
    assert not [d for d in diags if d["message"].startswith("gcassert:noescape broken")]


def test_check_prints_the_assertions_and_fails(goescape_bin, module):
    root = module("assertions")
    r = subprocess.run([goescape_bin, "check", "--fail-on", "new", "./..."], cwd=root,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    assert r.stdout == CLI_EXPECTED
    # Without --fail-on (none) the assertions are printed and the run passes.
    r = subprocess.run([goescape_bin, "check", "./..."], cwd=root, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == CLI_EXPECTED


def test_check_json_names_each_verdict(goescape_bin, module):
    import json
    root = module("assertions")
    r = subprocess.run([goescape_bin, "check", "--format", "json", "--fail-on", "any", "./..."],
                       cwd=root, capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    doc = json.loads(r.stdout)
    got = [(f["line"], f["subject"], f["cause"]) for f in doc["findings"]
           if f["category"] == "assertion"]
    assert got == [(16, "goescape:noescape", "broken"), (23, "gcassert:noescape", "broken"),
                   (34, "goescape:allow", "no-reason"), (42, "goescape:noescape", "broken"),
                   (48, "goescape:noescape", "unmatched")]
    broken = [f for f in doc["findings"] if f["category"] == "assertion"][0]
    assert broken["flow"] and broken["endColumn"] > broken["column"]


def test_check_passes_when_every_assertion_holds(goescape_bin, module, tmp_path):
    """With every finding in the baseline, --fail-on new passes while the assertions hold, and
    fails once one is broken, though the finding that breaks it is in the baseline."""
    root = module("assertions")
    src = (root / FILE).read_text()
    keep = src[:src.index("// Broken says")].replace('import "fmt"\n', "")
    (root / FILE).write_text(keep)
    base = tmp_path / "baseline.jsonl"

    def check(*flags):
        return subprocess.run([goescape_bin, "check", "--format", "json", *flags, "./..."],
                              cwd=root, capture_output=True, text=True, timeout=120)

    r = check("--write-baseline", str(base))
    assert r.returncode == 0, (r.stdout, r.stderr)
    r = check("--baseline", str(base), "--fail-on", "new")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert '"category": "assertion"' not in r.stdout
    (root / FILE).write_text(src)
    r = check("--write-baseline", str(base))
    assert r.returncode == 0, (r.stdout, r.stderr)
    r = check("--baseline", str(base), "--fail-on", "new")
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert '"category": "assertion"' in r.stdout


async def test_hover_names_the_reason_and_the_broken_assertion(lsp, module):
    from support import text as tx
    s, _ = await opened(lsp, module)
    allowed = await s.hover(FILE, tx.Pos(27, 1))
    assert allowed["contents"]["value"].endswith(
        "**Accepted** by `goescape:allow`: returned to the caller by design")
    broken = await s.hover(FILE, tx.Pos(15, 1))
    assert broken["contents"]["value"].endswith("**Breaks** `goescape:noescape`.")
    whole = await s.hover(FILE, tx.Pos(41, 9))
    assert whole["contents"]["value"].endswith(
        "**Breaks** `goescape:noescape` on this function.")


def test_sarif_carries_the_assertions_and_validates(goescape_bin, module, tmp_path):
    """Broken assertions are error results of the assertion rule in SARIF (an unmatched one a
    warning), with the escape's flow, and the log passes the official validator."""
    import json
    from test_check_baseline import validate_sarif
    root = module("assertions")
    r = subprocess.run([goescape_bin, "check", "--format", "sarif", "--fail-on", "new", "./..."],
                       cwd=root, capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    path = tmp_path / "assertions.sarif"
    path.write_text(r.stdout)
    log = json.loads(r.stdout)
    run = log["runs"][0]
    rule = run["tool"]["driver"]["rules"][-1]
    assert rule["properties"]["category"] == "assertion", rule
    got = [(x["locations"][0]["physicalLocation"]["region"]["startLine"], x["level"],
            x["properties"]["verdict"]) for x in run["results"] if x["ruleId"] == rule["id"]]
    assert got == [(16, "error", "broken"), (23, "error", "broken"), (34, "error", "no-reason"),
                   (42, "error", "broken"), (48, "warning", "unmatched")], got
    broken = [x for x in run["results"] if x["ruleId"] == rule["id"]][0]
    assert broken["codeFlows"][0]["threadFlows"][0]["locations"], broken
    assert validate_sarif(path, tmp_path) == []
