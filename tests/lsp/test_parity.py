"""Every heap escape the compiler prints appears as exactly one diagnostic, and says what the
compiler's explanation says.

For each package, the test runs the server's own go command itself, keeps every
`escapes to heap` and `moved to heap` summary line for files of that package, and matches
them one to one against the published diagnostics: the range contains the compiler's position
in the negotiated encoding, a moved variable's range is exactly its name, and no goescape
diagnostic is left without a compiler line. Each matched pair is then compared with the
compiler's -m=2 explanation (support/compiler_ref.py): the category where the compiler's
wording decides it, the cause words against the reasons in the explanation, and the flow
steps (related information) against the `from ... at` lines as file and line.

Every category is switched on, including "static", so that every compiler line has its
diagnostic. A package with no escape in the reference fails the test unless it is listed in
NO_ESCAPES. The packages include ones nobody here wrote: a third-party module served from a
committed module proxy directory (tests/fixtures/goproxy) into a private module cache, and
encoding/json from GOROOT, opened in place (read-only) through its file URI.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from support import text as tx
from support import compiler_ref
from support.ci import cannot_run, require
from support.checks import _match, assert_parity, cause_of, kind_of, loose_kind
from support.compiler import (compile_output, go_list, package_files, parse_escapes,
                              reference_escapes, server_env)
from support.gopls import gopls_path
from support.session import HEAP_CATEGORIES, Session, start_session
from support.hints import findings_in, hint_positions

ENCODINGS = [pytest.param(False, id="utf-16"), pytest.param(True, id="utf-8")]

TESTMOD_PACKAGES = ["maps", "closures", "ifaces", "big", "misc", "other", "gen", "usegen",
                    "uni", "linedir", ""]

# Every category on, "static" included (values that need no allocation), so that positions
# stay one to one with the compiler's lines. A server that does not know a name reports it as
# a settings problem and applies the others.
ALL_CATEGORIES = {"categories": {c: True for c in (*HEAP_CATEGORIES, "static", "inlined")}}

# Packages whose files get no escape line from the compiler, on purpose: in linedir a //line
# directive moves every position into template.tmpl, which is not a file of the package.
NO_ESCAPES = {"example.com/escdemo/linedir"}

REPO = Path(__file__).resolve().parent.parent.parent
GOPROXY_DIR = REPO / "tests" / "fixtures" / "goproxy"


def subject_of(diag: dict) -> str:
    m = re.match(r"^(.*?) (?:escapes|moved) to heap", diag["message"], re.S)
    return m[1] if m else ""


def pairs_of(escapes, diagnostics: dict[str, list[dict]], texts: dict[str, str],
             encoding: str) -> list[tuple]:
    """The compiler line and diagnostic matched to each other, by the same rule as the
    position check (same file and kind, range containing the position). Several lines can
    share a position (an inlined call's result and what it allocates), so lines whose subject
    is printed as the diagnostic's are matched first, and the rest among what is left."""
    diags = [(p, d) for p, ds in sorted(diagnostics.items()) for d in ds]
    indexes = {p: tx.LineIndex(t) for p, t in texts.items()}
    cands = []
    for e in escapes:
        pos = indexes[e.path].byte_col_to_pos(e.line, e.col, encoding)
        cands.append([j for j, (p, d) in enumerate(diags) if p == e.path
                      and loose_kind(d) == e.kind and tx.Span.of(d["range"]).contains(pos)])
    same = [[j for j in c if subject_of(diags[j][1]) == e.subject]
            for e, c in zip(escapes, cands)]
    owner = _match(same, len(diags))
    done_l, done_r = {i for i in owner if i != -1}, {j for j, i in enumerate(owner) if i != -1}
    rest = [[] if i in done_l else [j for j in c if j not in done_r] for i, c in enumerate(cands)]
    second = _match(rest, len(diags))
    owner = [i if i != -1 else second[j] for j, i in enumerate(owner)]
    return [(escapes[i], diags[j][1]) for j, i in enumerate(owner) if i != -1]


async def check_package(s: Session, root: Path, import_path: str, pattern: str, open_rel: str,
                        *, env: dict | None = None, tests: bool = True) -> str:
    # Parity covers every file of the package, not only the open one.
    s.change_configuration({"goescape": {"diagnosticsScope": "package"}})
    mark = s.mark()
    s.open(open_rel)
    status = await s.wait_analysis(import_path, mark)
    assert status["state"] == "idle", f"the analysis of {import_path} failed: {status}"
    await s.quiet(0.3)
    genv = server_env(env)
    files = package_files(go_list(root, pattern, genv), tests)
    output = compile_output(root, pattern, tests=tests, env=genv)
    escapes = parse_escapes(output, root, files)
    if import_path in NO_ESCAPES:
        assert not escapes, f"{import_path} is listed as having no escapes, the compiler " \
                            f"reports {[e.raw for e in escapes]}"
    else:
        assert escapes, (f"the compiler reference for {import_path} is empty: no escape line "
                         f"for its files {sorted(Path(f).name for f in files)}; if that is "
                         f"right, list it in NO_ESCAPES")
    diags = {p: s.diagnostics(Path(p).as_uri()) for p in files}
    texts = {p: Path(p).read_text(encoding="utf-8") for p in files}
    summary = assert_parity(escapes, diags, texts, s.encoding, import_path)
    pairs = pairs_of(escapes, diags, texts, s.encoding)
    words, problems = compiler_ref.compare(pairs, output, root, files, cause_of)
    assert not problems, f"{summary}\n{words}\n" + "\n".join(problems[:40]) + (
        f"\n... and {len(problems) - 40} more" if len(problems) > 40 else "")
    print(summary, words, sep="\n")
    return summary


async def start(lsp, root: Path, **kw) -> Session:
    settings = dict(ALL_CATEGORIES, **kw.pop("settings", {}))
    return await lsp(root, settings=settings, **kw)


@pytest.mark.parametrize("utf8", ENCODINGS)
@pytest.mark.parametrize("pkg", TESTMOD_PACKAGES, ids=[p or "root-main" for p in TESTMOD_PACKAGES])
async def test_testmod_package(lsp, module, pkg, utf8):
    root = module("testmod")
    s = await start(lsp, root, utf8=utf8)
    pkg_dir = root / pkg
    first = sorted(p.name for p in pkg_dir.glob("*.go") if not p.name.endswith("_test.go"))[0]
    import_path = "example.com/escdemo" + (f"/{pkg}" if pkg else "")
    await check_package(s, root, import_path, f"./{pkg}" if pkg else ".",
                        str(Path(pkg) / first))


@pytest.mark.parametrize("utf8", ENCODINGS)
async def test_examples_package(lsp, module, utf8):
    root = module("examples")
    s = await start(lsp, root, utf8=utf8)
    await check_package(s, root, "example.com/goescape-demo", ".", "escapes.go")


@pytest.mark.parametrize("utf8", ENCODINGS)
@pytest.mark.parametrize("name,file", [("unicode", "uni.go"), ("scanner", "scanner.go"),
                                       ("mainapp", "main.go")])
async def test_fixture_package(lsp, module, name, file, utf8):
    root = module(name)
    s = await start(lsp, root, utf8=utf8)
    await check_package(s, root, f"example.com/{name}", ".", file)


@pytest.mark.parametrize("utf8", ENCODINGS)
async def test_without_tests_uses_go_build(lsp, module, utf8):
    """includeTests false: go build, so _test.go files get nothing."""
    root = module("testmod")
    s = await start(lsp, root, utf8=utf8, settings={"includeTests": False})
    await check_package(s, root, "example.com/escdemo/misc", "./misc", "misc/misc_test.go",
                        tests=False)
    assert s.diagnostics("misc/misc_test.go") == []
    assert s.diagnostics("misc/ext_test.go") == []


# The third-party module, as committed in the proxy directory (see its README).
UUID_PATH, UUID_VERSION = "github.com/google/uuid", "v1.6.0"
UUID_SUM = "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="


@pytest.fixture(scope="session")
def third_party(tmp_path_factory):
    """A third-party module downloaded with go mod download into a private module cache, from
    the committed proxy directory through GOPROXY=file://, so no network is needed. The
    module cache is read-only, as the go command leaves it."""
    cache = tmp_path_factory.mktemp("gomodcache")
    work = tmp_path_factory.mktemp("download")
    env = dict(os.environ, GOMODCACHE=str(cache), GOPROXY=GOPROXY_DIR.as_uri(),
               GOSUMDB="off", GOTOOLCHAIN="local")
    env.pop("GOFLAGS", None)
    res = subprocess.run(["go", "mod", "download", "-json", f"{UUID_PATH}@{UUID_VERSION}"],
                         cwd=work, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        cannot_run(f"go mod download from {GOPROXY_DIR} failed: {res.stdout[-500:]}"
                   f"{res.stderr[-500:]}")
    info = json.loads(res.stdout)
    # The committed zip is the published one: the go command computed the same hash.
    assert info["Sum"] == UUID_SUM, f"the committed module's hash is {info['Sum']}"
    yield Path(info["Dir"]), {"GOMODCACHE": str(cache)}
    subprocess.run(["chmod", "-R", "u+w", str(cache)], check=False)
    shutil.rmtree(cache, ignore_errors=True)


@pytest.mark.parametrize("utf8", ENCODINGS)
async def test_third_party_module_in_place(lsp, third_party, snapshot, utf8):
    root, env = third_party
    unchanged = snapshot(root)
    s = await start(lsp, root, utf8=utf8, env=env)
    await check_package(s, root, UUID_PATH, ".", "uuid.go", env=env)
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
        cannot_run("no GOROOT sources")
    unchanged = snapshot(pkg)
    s = await start(lsp, pkg, utf8=utf8)
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
        # Only heap escapes get hints: what needs no allocation (static) and what an inlined
        # callee allocates (inlined) are diagnostics when asked for, never hints.
        heap = [d for d in diags if d.get("code") in HEAP_CATEGORIES]
        ends = hint_positions(text, heap, s.encoding)
        at = Counter(
            (h["position"]["line"], h["position"]["character"]) for h in hints)
        if ends != at:
            problems.append(f"{Path(path).name}: hints {sorted((at - ends).elements())[:5]} not "
                            f"where a heap escape's hint goes, places {sorted((ends - at).elements())[:5]} "
                            f"without a hint")
        explained = sum(findings_in(h) for h in hints)
        if explained != len(heap):
            problems.append(f"{Path(path).name}: the hints explain {explained} findings of "
                            f"{len(heap)}")
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
    s = await start(lsp, root)
    first = sorted(p.name for p in (root / pkg).glob("*.go") if not p.name.endswith("_test.go"))[0]
    await check_package(s, root, f"example.com/escdemo/{pkg}", f"./{pkg}", f"{pkg}/{first}")
    _, files = reference_escapes(root, f"./{pkg}")
    print(await check_hints_and_hovers(s, files))


async def test_hints_and_hovers_third_party(lsp, third_party):
    root, env = third_party
    s = await start(lsp, root, env=env)
    await check_package(s, root, UUID_PATH, ".", "uuid.go", env=env)
    _, files = reference_escapes(root, ".", env=server_env(env))
    print(await check_hints_and_hovers(s, files))


@pytest.mark.slow
async def test_hints_and_hovers_std_encoding_json(lsp):
    src = goroot() / "src"
    pkg = src / "encoding" / "json"
    if not (pkg / "decode.go").exists():
        cannot_run("no GOROOT sources")
    s = await start(lsp, pkg)
    await check_package(s, src, "encoding/json", "./encoding/json", str(pkg / "decode.go"))
    _, files = reference_escapes(src, "./encoding/json")
    print(await check_hints_and_hovers(s, files))


# -- the same checks through companion mode (goescape --gopls) --------------------------------

@pytest.fixture(scope="module")
def pinned_gopls() -> str:
    path = gopls_path()
    require(path is not None, "the pinned gopls cannot be installed (go install failed)")
    return path


async def test_companion_mode_third_party_module(lsp, third_party, pinned_gopls):
    """With gopls running inside goescape, goescape's own diagnostics still match the compiler
    one to one on a module nobody here wrote."""
    root, env = third_party
    s = await start(lsp, root, env=env, args=[f"--gopls={pinned_gopls}"])
    await check_package(s, root, UUID_PATH, ".", "uuid.go", env=env)


async def test_companion_mode_testmod_package(lsp, module, pinned_gopls):
    root = module("testmod")
    s = await start(lsp, root, args=[f"--gopls={pinned_gopls}"])
    await check_package(s, root, "example.com/escdemo/maps", "./maps", "maps/maps.go")


GOPLS_FINDINGS = '''package main

import "fmt"

type point struct{ x, y int }

func newPoint() *point {
	return &point{1, 2}
}

func main() {
	p := newPoint()
	n := p.x
	n = n
	fmt.Printf("%d\\n", "not a number")
	fmt.Println(p.x + n)
}
'''


def gopls_own(publishes: list[list[dict]]) -> list[tuple]:
    """gopls's diagnostics in the last list published, comparable across sessions."""
    last = publishes[-1] if publishes else []
    return sorted((d.get("source", ""), d["message"], d["range"]["start"]["line"],
                   d["range"]["start"]["character"], d["range"]["end"]["line"],
                   d["range"]["end"]["character"], d.get("severity"))
                  for d in last if d.get("source") != "goescape")


async def settled_publishes(s: Session, uri: str, want, timeout: float = 90.0) -> list[list[dict]]:
    """Waits until a list published for uri satisfies want, then until nothing new comes for
    two seconds; returns every list published for uri."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end and not any(want(ds) for ds in s.publishes(uri)):
        await asyncio.sleep(0.2)
    assert any(want(ds) for ds in s.publishes(uri)), s.publishes(uri)[-3:]
    count = -1
    while loop.time() < end and count != len(s.publishes(uri)):
        count = len(s.publishes(uri))
        await asyncio.sleep(2.0)
    return s.publishes(uri)


async def test_companion_mode_keeps_every_gopls_diagnostic(lsp, tmp_path, pinned_gopls):
    """gopls's own diagnostics (here its vet checks: a self-assignment and a printf verb that
    does not fit) arrive through companion mode exactly as gopls alone publishes them, in the
    same list as goescape's escapes."""
    def write(dest: Path) -> Path:
        dest.mkdir(parents=True)
        (dest / "go.mod").write_text("module example.com/gd\n\ngo 1.21\n")
        (dest / "main.go").write_text(GOPLS_FINDINGS)
        return dest

    def vet_seen(ds):
        text = " ".join(d["message"] for d in ds if d.get("source") != "goescape")
        return "self-assignment" in text and "%d" in text

    alone_root = write(tmp_path / "alone" / "gd")
    alone = await start_session(pinned_gopls, alone_root, tmp_path / "gopls-tmp")
    try:
        doc = alone.open("main.go")
        direct = gopls_own(await settled_publishes(alone, doc.uri, vet_seen))
    finally:
        await alone.shutdown()
    assert any("self-assignment" in d[1] for d in direct), direct

    root = write(tmp_path / "ws" / "gd")
    s = await lsp(root, args=[f"--gopls={pinned_gopls}"])
    doc = s.open("main.go")
    lists = await settled_publishes(
        s, doc.uri, lambda ds: vet_seen(ds) and any(d.get("source") == "goescape" for d in ds))
    assert gopls_own(lists) == direct
    assert any(d.get("source") == "goescape" and "&point{...}" in d["message"]
               for d in lists[-1]), lists[-1]
