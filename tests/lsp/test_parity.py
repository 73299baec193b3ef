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
import shutil
import subprocess
from pathlib import Path

import pytest

from support import text as tx
from support.checks import assert_parity
from support.compiler import reference_escapes, server_env
from support.session import Session

ENCODINGS = [pytest.param(False, id="utf-16"), pytest.param(True, id="utf-8")]

TESTMOD_PACKAGES = ["maps", "closures", "ifaces", "big", "misc", "other", "gen", "usegen",
                    "uni", "linedir", ""]


async def check_package(s: Session, root: Path, import_path: str, pattern: str, open_rel: str,
                        *, env: dict | None = None, tests: bool = True) -> str:
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
