"""Messages that tell the user to change a setting name it by its key ("the goBinary
setting"), not in one editor's spelling (`goescape.goBinary` is VS Code's): Neovim and Emacs
users read the same messages. The README maps each key to each editor's form, and every
editor integration can set every key a message names."""

from __future__ import annotations

import json
import re

from robust_util import REPO, rb, write_module  # noqa: F401

# One editor's spelling of a setting: "goescape.goBinary".
EDITOR_SPELLING = re.compile(r"goescape\.[a-z]\w*")
# How the server's messages name a setting.
NAMED = re.compile(r"the (\w+) setting")


def test_a_missing_go_command_names_the_setting_by_its_key(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    s = rb.start()
    s.initialize(root, {"goBinary": "/nonexistent/dir/go"})
    mark = s.mark()
    s.open(root / "good" / "good.go")
    msg = s.wait_shown("not found", mark)["message"]
    assert "the goBinary setting" in msg, msg
    assert not EDITOR_SPELLING.search(msg), msg
    assert s.shutdown_exit() == 0


def test_a_refused_toolchain_download_names_the_setting_by_its_key(rb, tmp_path):
    """A go.mod that asks for a newer Go fails without a download; the message says which
    setting allows it, in no editor's spelling."""
    root = write_module(tmp_path / "ws" / "tc", "example.com/tc", go_version="1.999")
    s = rb.start(inherit={"GOTOOLCHAIN": "auto"})
    s.initialize(root)
    mark = s.mark()
    s.open(root / "good" / "good.go")
    msg = s.wait_shown("build failed", mark, 120)["message"]
    assert "turn on the allowModuleDownloads setting" in msg, msg
    assert not EDITOR_SPELLING.search(msg), msg
    assert s.shutdown_exit() == 0


def test_every_setting_a_message_names_is_mapped_for_each_editor():
    """Each key the server's messages name is in the README's settings table, is a VS Code
    setting, an Emacs customization sent under that key, and the README's "Settings in each
    editor" section exists to map it."""
    server = "\n".join(p.read_text() for p in sorted((REPO / "server").rglob("*.c")))
    # Adjacent C string literals are joined first, so a message split over lines is whole.
    joined = re.sub(r'"\s*\n\s*"', "", server)
    named = set(NAMED.findall(joined))
    assert named >= {"goBinary", "allowModuleDownloads", "timeoutMs"}, named
    literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', joined)
    spelled = {m for lit in literals for m in EDITOR_SPELLING.findall(lit)}
    assert spelled <= {"goescape.analyze", "goescape.toggle", "goescape.showFlow"}, \
        f"server strings name settings in VS Code's spelling: {spelled}"
    readme = (REPO / "README.md").read_text()
    assert "### Settings in each editor" in readme
    vscode = json.loads((REPO / "editors" / "vscode" / "package.json").read_text())
    props = vscode["contributes"]["configuration"]["properties"]
    emacs = (REPO / "editors" / "emacs" / "goescape.el").read_text()
    for key in sorted(named):
        assert f"| `{key}` |" in readme, f"{key} is not in the README's settings table"
        assert f"goescape.{key}" in props, f"{key} is not a VS Code setting"
        kebab = re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), key)
        assert f"(defcustom goescape-{kebab} " in emacs, f"no Emacs customization for {key}"
        assert f":{key} " in emacs, f"the Emacs settings do not send {key}"
