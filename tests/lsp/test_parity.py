"""Every heap escape the compiler prints appears as exactly one diagnostic (issue 2, "What
will be checked").

For each package, the test runs the server's own go command itself, keeps every
`escapes to heap` and `moved to heap` summary line for files of that package, and matches
them one to one against the published diagnostics: the range contains the compiler's position
in the negotiated encoding, a moved variable's range is exactly its name, and no goescape
diagnostic is left without a compiler line. The packages include ones nobody here wrote: a
third-party module fetched into a private module cache, and encoding/json from GOROOT, opened
in place (read-only) through its file URI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from support import text as tx
from support.checks import assert_parity, cause_of, kind_of
from support.compiler import reference_escapes, server_env
from support.session import Session

ENCODINGS = [pytest.param(False, id="utf-16"), pytest.param(True, id="utf-8")]

TESTMOD_PACKAGES = ["maps", "closures", "ifaces", "big", "misc", "other", "gen", "usegen",
                    "uni", "linedir", ""]


async def check_package(s: Session, root: Path, import_path: str, pattern: str, open_rel: str,
                        *, env: dict | None = None, tests: bool = True) -> str:
    # Parity covers every file of the package, not only the open one.
    s.change_configuration({"goescape": {"diagnosticsScope": "package"}})
    mark = s.mark()
    s.open(open_rel)
    status = await s.wait_analysis(import_path, mark)
    assert status["state"] == "idle", f"the analysis of {import_path} failed: {status}"
    await s.quiet(0.3)
    escapes, files = reference_escapes(root, pattern, tests=tests, env=server_env(env))
    diags = {p: s.diagnostics(Path(p).as_uri()) for p in files}
    texts = {p: Path(p).read_text(encoding="utf-8") for p in files}
    summary = assert_parity(escapes, diags, texts, s.encoding, import_path)
    print(summary)
    return summary


@pytest.mark.parametrize("utf8", ENCODINGS)
@pytest.mark.parametrize("pkg", TESTMOD_PACKAGES, ids=[p or "root-main" for p in TESTMOD_PACKAGES])
async def test_testmod_package(lsp, module, pkg, utf8):
    root = module("testmod")
    s = await lsp(root, utf8=utf8)
    pkg_dir = root / pkg
    first = sorted(p.name for p in pkg_dir.glob("*.go") if not p.name.endswith("_test.go"))[0]
    import_path = "example.com/escdemo" + (f"/{pkg}" if pkg else "")
    await check_package(s, root, import_path, f"./{pkg}" if pkg else ".",
                        str(Path(pkg) / first))


@pytest.mark.parametrize("utf8", ENCODINGS)
async def test_examples_package(lsp, module, utf8):
    root = module("examples")
    s = await lsp(root, utf8=utf8)
    await check_package(s, root, "example.com/goescape-demo", ".", "escapes.go")


@pytest.mark.parametrize("utf8", ENCODINGS)
@pytest.mark.parametrize("name,file", [("unicode", "uni.go"), ("scanner", "scanner.go"),
                                       ("mainapp", "main.go")])
async def test_fixture_package(lsp, module, name, file, utf8):
    root = module(name)
    s = await lsp(root, utf8=utf8)
    await check_package(s, root, f"example.com/{name}", ".", file)


@pytest.mark.parametrize("utf8", ENCODINGS)
async def test_without_tests_uses_go_build(lsp, module, utf8):
    """includeTests false: go build, so _test.go files get nothing."""
    root = module("testmod")
    s = await lsp(root, utf8=utf8, settings={"includeTests": False})
    await check_package(s, root, "example.com/escdemo/misc", "./misc", "misc/misc_test.go",
                        tests=False)
    assert s.diagnostics("misc/misc_test.go") == []
    assert s.diagnostics("misc/ext_test.go") == []


UUID = "github.com/google/uuid@v1.6.0"


@pytest.fixture(scope="session")
def third_party(tmp_path_factory):
    """A third-party module fetched with go mod download into a private module cache. The
    module cache is read-only, as the go command leaves it."""
    cache = tmp_path_factory.mktemp("gomodcache")
    work = tmp_path_factory.mktemp("download")
    env = dict(os.environ, GOMODCACHE=str(cache))
    env.pop("GOFLAGS", None)
    res = subprocess.run(["go", "mod", "download", "-json", UUID], cwd=work, env=env,
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot fetch {UUID} (no module proxy reachable?): {res.stdout[-500:]}"
                    f"{res.stderr[-500:]}")
    import json
    info = json.loads(res.stdout)
    yield Path(info["Dir"]), {"GOMODCACHE": str(cache)}
    subprocess.run(["chmod", "-R", "u+w", str(cache)], check=False)
    shutil.rmtree(cache, ignore_errors=True)


@pytest.mark.parametrize("utf8", ENCODINGS)
async def test_third_party_module_in_place(lsp, third_party, snapshot, utf8):
    root, env = third_party
    unchanged = snapshot(root)
    s = await lsp(root, utf8=utf8, env=env)
    await check_package(s, root, "github.com/google/uuid", ".", "uuid.go", env=env)
    unchanged()


def goroot() -> Path:
    return Path(subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True,
                               check=True).stdout.strip())


@pytest.mark.slow
@pytest.mark.parametrize("utf8", ENCODINGS)
async def test_std_encoding_json_from_goroot(lsp, snapshot, utf8):
    src = goroot() / "src"
    pkg = src / "encoding" / "json"
    if not (pkg / "decode.go").exists():
        pytest.skip("no GOROOT sources")
    unchanged = snapshot(pkg)
    s = await lsp(pkg, utf8=utf8)
    await check_package(s, src, "encoding/json", "./encoding/json", str(pkg / "decode.go"))
    unchanged()


# -- hints and hovers on the same packages (issue 3, "What will be checked") -----------------

STEP_LINK_RX = re.compile(r"^\s*\d+\. .+\(\[[^\]]+:\d+\]\(file://[^)]+#L\d+\)\)\s*$", re.M)


def hover_point(d: dict, others: list[dict], text: str, encoding: str) -> tx.Pos | None:
    """A position inside d's range that no other diagnostic's range of the same or smaller
    size contains (a hover shows the innermost finding), or None."""
    r = tx.Span.of(d["range"])

    def size(x: tx.Span) -> tuple[int, int]:
        return (x.end.line - x.start.line, x.end.character - x.start.character)

    rivals = [tx.Span.of(o["range"]) for o in others
              if o["range"] != d["range"] and size(tx.Span.of(o["range"])) <= size(r)]
    if r.start.line != r.end.line:
        candidates = [r.start]
    else:
        candidates = [tx.Pos(r.start.line, c)
                      for c in range(r.start.character, max(r.end.character, r.start.character + 1))]
    for p in candidates:
        try:
            tx.pos_to_index(text, p, encoding)
        except ValueError:
            continue  # inside a character in this encoding
        if not any(o.contains(p) for o in rivals):
            return p
    return None


async def check_hints_and_hovers(s: Session, files: set[str]) -> str:
    problems: list[str] = []
    checked = skipped = 0
    for path in sorted(files):
        uri = Path(path).as_uri()
        if uri not in s.docs:
            s.open(path)
    await s.quiet(0.5)
    for path in sorted(files):
        uri = Path(path).as_uri()
        text = s.text_of(uri)
        diags = s.diagnostics(uri)
        hints = await s.inlay_hints(uri)
        ends = Counter(
            (d["range"]["end"]["line"], d["range"]["end"]["character"]) for d in diags)
        at = Counter(
            (h["position"]["line"], h["position"]["character"]) for h in hints)
        if ends != at:
            problems.append(f"{Path(path).name}: hints {sorted((at - ends).elements())[:5]} without a "
                            f"diagnostic end, range ends {sorted((ends - at).elements())[:5]} without a hint")
        for d in diags:
            p = hover_point(d, diags, text, s.encoding)
            if p is None:
                skipped += 1
                continue
            checked += 1
            h = await s.hover(uri, p)
            same = [o for o in diags if o["range"] == d["range"]]
            where = f"{Path(path).name} {tx.Span.of(d['range'])} {d['message']!r}"
            if h is None:
                problems.append(f"{where}: no hover at {p}")
                continue
            md = h["contents"]["value"]
            causes = [cause_of(o) for o in same if kind_of(o)]
            if h.get("range") != d["range"]:
                problems.append(f"{where}: the hover at {p} is for range {h.get('range')}")
            elif not any(c in md for c in causes):
                problems.append(f"{where}: the hover does not give the cause {causes}")
            if not STEP_LINK_RX.search(md):
                problems.append(f"{where}: the hover has no flow step with a location")
    summary = f"{checked} hovers checked, {skipped} diagnostics fully covered by smaller ones"
    assert not problems, summary + "\n" + "\n".join(problems[:40]) + (
        f"\n... and {len(problems) - 40} more" if len(problems) > 40 else "")
    return summary


@pytest.mark.parametrize("pkg", ["maps", "closures", "ifaces", "big", "misc", "uni"])
async def test_hints_and_hovers_testmod(lsp, module, pkg):
    root = module("testmod")
    s = await lsp(root)
    first = sorted(p.name for p in (root / pkg).glob("*.go") if not p.name.endswith("_test.go"))[0]
    await check_package(s, root, f"example.com/escdemo/{pkg}", f"./{pkg}", f"{pkg}/{first}")
    _, files = reference_escapes(root, f"./{pkg}")
    print(await check_hints_and_hovers(s, files))


async def test_hints_and_hovers_third_party(lsp, third_party):
    root, env = third_party
    s = await lsp(root, env=env)
    await check_package(s, root, "github.com/google/uuid", ".", "uuid.go", env=env)
    _, files = reference_escapes(root, ".", env=server_env(env))
    print(await check_hints_and_hovers(s, files))


@pytest.mark.slow
async def test_hints_and_hovers_std_encoding_json(lsp):
    src = goroot() / "src"
    pkg = src / "encoding" / "json"
    if not (pkg / "decode.go").exists():
        pytest.skip("no GOROOT sources")
    s = await lsp(pkg)
    await check_package(s, src, "encoding/json", "./encoding/json", str(pkg / "decode.go"))
    _, files = reference_escapes(src, "./encoding/json")
    print(await check_hints_and_hovers(s, files))
