"""Workspaces (issue 3): a go.work file joining two modules, and several workspace folders at
once, each file analyzed in its own module."""

from __future__ import annotations

from lsprotocol import types

from support.checks import assert_parity
from support.compiler import reference_escapes


async def check(s, root, rel, package, modroot, pattern="."):
    mark = s.mark()
    s.open(rel)
    st = await s.wait_analysis(package, mark)
    assert st["state"] == "idle", st
    await s.delivered()
    escapes, files = reference_escapes(modroot, pattern)
    assert escapes, f"the compiler reports nothing for {package}; the fixture is out of date"
    return assert_parity(escapes, {p: s.diagnostics(s.uri(p)) for p in files},
                         {p: open(p).read() for p in files}, s.encoding, package)


async def test_go_work_joins_modules(lsp, module, snapshot):
    root = module("gowork")
    unchanged = snapshot(root)
    s = await lsp(root)
    await check(s, root, "a/a.go", "example.com/a", root / "a")
    await check(s, root, "b/b.go", "example.com/b", root / "b")
    assert await s.shutdown() == 0
    unchanged()


async def test_several_workspace_folders(lsp, module):
    ex = module("examples")
    uni = module("unicode")
    s = await lsp(ex.parent, folders=[ex, uni], settings={"diagnosticsScope": "package"})
    await check(s, ex.parent, "examples/escapes.go", "example.com/goescape-demo", ex)
    await check(s, ex.parent, "unicode/uni.go", "example.com/unicode", uni)


async def test_folder_added_later(lsp, module):
    ex = module("examples")
    uni = module("unicode")
    s = await lsp(ex.parent, folders=[ex])
    s.client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=uni.as_uri(), name="unicode")], removed=[])))
    await check(s, ex.parent, "unicode/uni.go", "example.com/unicode", uni)
