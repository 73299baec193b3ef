"""The settings table in the server is the one source of every setting's name, type and default,
and of the finding categories. `goescape --print-settings` (the real binary) dumps it; each
editor's settings and each document that lists them must agree with it, so a setting added,
renamed or re-defaulted in one place and not the others fails here:

- editors/vscode/package.json: `goescape.<name>` with its type and default; the categories and
  severity objects' keys; no `goescape.*` server setting the server does not read;
- editors/emacs/goescape.el: a defcustom `goescape-<kebab-name>` per setting with a matching
  type and default, and `goescape-settings` sending every name from its own variable;
- README.md's settings and categories tables, docs/lsp.md's settings table, and the VS Code
  extension's README (its settings table and the categories its diagnostics carry as codes);
- any category list in editors/vscode/src/extension.ts and in the VS Code probe the editor
  tests run (tests/e2e/vscode/probe/extension.js).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# package.json settings that configure the client, not the server.
VSCODE_CLIENT_ONLY = {"goescape.serverPath", "goescape.serverArgs", "goescape.trace.server"}


@pytest.fixture(scope="module")
def table(goescape_bin):
    out = subprocess.run([goescape_bin, "--print-settings"], capture_output=True, text=True,
                         timeout=30, check=True)
    return json.loads(out.stdout)


def settings_of(table) -> dict:
    return {s["name"]: s for s in table["settings"]}


def category_defaults(table) -> dict:
    return {c["name"]: c["default"] for c in table["categories"]}


def severity_defaults(table) -> dict:
    return {c["name"]: c["severity"] for c in table["categories"]}


def test_print_settings_describes_every_setting_and_category(table):
    names = [s["name"] for s in table["settings"]]
    assert len(names) == len(set(names))
    for s in table["settings"]:
        assert s["type"] in {"boolean", "integer", "string", "array", "object"}, s
        assert s["description"], s
    cats = {c["name"]: c for c in table["categories"]}
    for c in cats.values():
        assert c["description"] and c["severity"] in table["severities"], c
    assert [n for n, c in cats.items() if not c["heap"]] == ["param", "noescape", "static",
                                                              "inlined"]
    assert all(c["default"] == c["heap"] for c in cats.values())
    assert settings_of(table)["categories"]["default"] == category_defaults(table)
    assert settings_of(table)["severity"]["default"] == severity_defaults(table)


# ---- VS Code ----------------------------------------------------------------------------------


def vscode_properties() -> dict:
    conf = json.loads((REPO / "editors/vscode/package.json").read_text())["contributes"][
        "configuration"]
    props = {}
    for block in conf if isinstance(conf, list) else [conf]:
        props.update(block["properties"])
    return props


def test_vscode_package_json_agrees(table):
    props = vscode_properties()
    settings = settings_of(table)
    problems = []
    for name, s in settings.items():
        p = props.get(f"goescape.{name}")
        if p is None:
            problems.append(f"goescape.{name} missing")
            continue
        if p.get("type") != s["type"]:
            problems.append(f"goescape.{name}: type {p.get('type')!r}, server {s['type']!r}")
        if p.get("default") != s["default"]:
            problems.append(f"goescape.{name}: default {p.get('default')!r}, "
                            f"server {s['default']!r}")
        if "enum" in s and p.get("enum") != s["enum"]:
            problems.append(f"goescape.{name}: enum {p.get('enum')!r}, server {s['enum']!r}")
        if ("maximum" in p or "maximum" in s) and p.get("maximum") != s.get("maximum"):
            problems.append(
                f"goescape.{name}: maximum {p.get('maximum')}, server {s.get('maximum')}")
    for key in props:
        if key not in VSCODE_CLIENT_ONLY and key.removeprefix("goescape.") not in settings:
            problems.append(f"{key}: not a server setting")
    cats = [c["name"] for c in table["categories"]]
    for obj in ("categories", "severity"):
        p = props.get(f"goescape.{obj}", {})
        if "properties" in p and list(p["properties"]) != cats:
            problems.append(f"goescape.{obj}: properties {list(p['properties'])}, server {cats}")
    sev = props.get("goescape.severity", {}).get("additionalProperties", {})
    if sev.get("enum") != table["severities"]:
        problems.append(f"goescape.severity: values {sev.get('enum')}, "
                        f"server {table['severities']}")
    assert not problems, "package.json disagrees with goescape --print-settings:\n" + "\n".join(
        problems)


# Code that lists category names for itself: the extension, and the probe extension the VS Code
# editor test loads to read what the editor shows.
CATEGORY_LIST_SOURCES = ["editors/vscode/src/extension.ts", "tests/e2e/vscode/probe/extension.js"]


def category_lists(src: str, every: set) -> list[list[str]]:
    """The plain lists of strings in src ([...]) whose words are all category names."""
    found = []
    for lit in re.findall(r"\[([^\[\]]*)\]", src):
        words = re.findall(r"""['"]([a-z]+)['"]""", lit)
        if len(words) < 3 or not set(words) <= every:
            continue
        if re.sub(r"""['"][a-z]+['"]|[\s,]""", "", lit):
            continue  # not a plain list of strings
        found.append(words)
    return found


@pytest.mark.parametrize("path", CATEGORY_LIST_SOURCES)
def test_vscode_extension_category_lists_agree(table, path):
    """A list of category names in the extension is either the heap categories or all of them."""
    heap = {c["name"] for c in table["categories"] if c["heap"]}
    every = {c["name"] for c in table["categories"]}
    for words in category_lists((REPO / path).read_text(), every):
        assert set(words) in (heap, every), f"{path} lists categories {words}"


# ---- Emacs ------------------------------------------------------------------------------------

TOKEN = re.compile(r"""\s*(?:;[^\n]*\n\s*)*(?P<tok>[()'`,]|#'|"(?:[^"\\]|\\.)*"|[^\s()'"`,]+)""",
                   re.S)


def read_sexp(text: str, pos: int):
    """Reads one Emacs Lisp form at pos: lists, dotted pairs, strings, numbers and symbols.
    Returns (value, next position). Quotes read as ("quote", form)."""
    m = TOKEN.match(text, pos)
    tok, pos = m.group("tok"), m.end()
    if tok in ("'", "`", "#'", ","):
        form, pos = read_sexp(text, pos)
        return ("quote", form), pos
    if tok == "(":
        items = []
        while True:
            m = TOKEN.match(text, pos)
            if m.group("tok") == ")":
                return items, m.end()
            if m.group("tok") == ".":
                cdr, pos = read_sexp(text, m.end())
                pos = TOKEN.match(text, pos).end()  # the closing paren
                return ("cons", items[0], cdr), pos
            item, pos = read_sexp(text, pos)
            items.append(item)
    if tok.startswith('"'):
        return ("str", json.loads(tok.replace("\\\n", "").replace("\\(", "("), strict=False)), pos
    if re.fullmatch(r"-?\d+", tok):
        return int(tok), pos
    return tok, pos


def unquote(form):
    return form[1] if isinstance(form, tuple) and form[0] == "quote" else form


def elisp_type(form) -> str:
    form = unquote(form)
    head = form[0] if isinstance(form, list) and form else form
    if head == "choice" and all(c[0] == "const" and c[1][0] == "str" for c in form[1:]):
        return "string"
    return {"boolean": "boolean", "string": "string", "integer": "integer", "natnum": "integer",
            "repeat": "array", "alist": "object"}.get(head, f"unknown {form!r}")


def elisp_to_json(form, typ: str):
    form = unquote(form)
    if typ == "boolean":
        return form == "t"
    if form == "nil" or form == []:
        return {"array": [], "object": {}}.get(typ)
    if isinstance(form, tuple) and form[0] == "str":
        return form[1]
    if isinstance(form, list) and typ == "object":
        return {cell[1]: elisp_to_json(cell[2], "boolean" if cell[2] in ("t", "nil") else "")
                for cell in form}
    return form


def kebab(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)


def emacs_defcustoms() -> dict:
    text = (REPO / "editors/emacs/goescape.el").read_text()
    found = {}
    for m in re.finditer(r"\(defcustom ", text):
        form, _ = read_sexp(text, m.start())
        props = dict(zip(form[4::2], form[5::2]))
        found[form[1]] = (form[2], props.get(":type"))
    return found


def emacs_sent() -> dict:
    """The keys goescape-settings sends, each with the goescape- variables its value reads."""
    text = (REPO / "editors/emacs/goescape.el").read_text()
    form, _ = read_sexp(text, text.index("(defun goescape-settings"))
    body = form[-1]
    assert body[0] == "list", body

    def symbols(f):
        if isinstance(f, str):
            return {f} if f.startswith("goescape-") else set()
        if isinstance(f, (list, tuple)):
            return set().union(*(symbols(x) for x in f)) if f else set()
        return set()

    return {k.lstrip(":"): symbols(v) for k, v in zip(body[1::2], body[2::2])}


def test_emacs_defcustoms_and_sent_settings_agree(table):
    custom = emacs_defcustoms()
    sent = emacs_sent()
    problems = []
    for name, s in settings_of(table).items():
        var = "goescape-" + kebab(name)
        if var not in custom:
            problems.append(f"{var}: no defcustom")
            continue
        default, typ = custom[var]
        if elisp_type(typ) != s["type"]:
            problems.append(f"{var}: type {elisp_type(typ)}, server {s['type']}")
        choices = unquote(typ)
        if "enum" in s and [c[1][1] for c in choices[1:]] != s["enum"]:
            problems.append(f"{var}: choices {choices[1:]}, server {s['enum']}")
        value = elisp_to_json(default, s["type"])
        if value != s["default"]:
            problems.append(f"{var}: default {value!r}, server {s['default']!r}")
        if var not in sent.get(name, set()):
            problems.append(f"goescape-settings: :{name} not sent from {var}")
    for key in set(sent) - set(settings_of(table)):
        problems.append(f"goescape-settings sends :{key}, not a server setting")
    text = (REPO / "editors/emacs/goescape.el").read_text()
    choice, _ = read_sexp(text, text.index("(defconst goescape--category-choice"))
    names = [c[1] for c in unquote(choice[2])[1:]]
    if names != [c["name"] for c in table["categories"]]:
        problems.append(f"goescape--category-choice: {names}")
    assert not problems, "goescape.el disagrees with goescape --print-settings:\n" + "\n".join(
        problems)


# ---- README.md and docs/lsp.md ----------------------------------------------------------------


def markdown_table(path: Path, header: str) -> list[list[str]]:
    lines = path.read_text().splitlines()
    start = lines.index(header) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split(" | ")])
    return rows


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]*)`", cell)


def doc_default(cell: str):
    words = ticked(cell)
    assert len(words) == 1, cell
    try:
        return json.loads(words[0])
    except json.JSONDecodeError:
        return words[0]


def doc_type(cell: str) -> str:
    return cell.split()[0]


def check_severity_cell(table, cell: str, where: str) -> list[str]:
    """A default such as "`information` for `map`, `closure`; `hint` for the rest": each named
    category has that severity, and every other one the severity of "the rest"."""
    sevs = severity_defaults(table)
    named = {}
    for sev, names in re.findall(r"`(\w+)` for ((?:`\w+`(?:, )?)+)", cell):
        named.update({n: sev for n in ticked(names)})
    rest = re.search(r"`(\w+)` for the rest", cell)
    problems = []
    if not named and rest is None:
        return [f"{where}: severity default {cell!r} names no category"]
    for n in sevs:
        want = named.get(n, rest.group(1) if rest else None)
        if want is not None and want != sevs[n]:
            problems.append(f"{where}: severity of {n} {want}, server {sevs[n]}")
    for n in set(named) - set(sevs):
        problems.append(f"{where}: severity of {n}, not a category")
    return problems


def check_doc_settings(table, rows: list[list[str]], type_col: int | None, default_col: int,
                       where: str) -> list[str]:
    settings = settings_of(table)
    problems = []
    seen = [ticked(r[0])[0] for r in rows]
    for name in set(settings) - set(seen):
        problems.append(f"{where}: {name} missing")
    for name in set(seen) - set(settings):
        problems.append(f"{where}: {name} is not a server setting")
    off = [c["name"] for c in table["categories"] if not c["default"]]
    for row in rows:
        name = ticked(row[0])[0]
        s = settings.get(name)
        if s is None:
            continue
        if type_col is not None and doc_type(row[type_col]) != s["type"]:
            problems.append(f"{where}: {name} type {row[type_col]!r}, server {s['type']}")
        bounds = re.search(r"(\d+)–(\d+)", row[type_col]) if type_col is not None else None
        if bounds and int(bounds.group(2)) != s.get("maximum"):
            problems.append(f"{where}: {name} up to {bounds.group(2)}, server {s.get('maximum')}")
        cell = row[default_col]
        if name == "categories":
            if ticked(cell) != off:
                problems.append(f"{where}: categories off by default {ticked(cell)}, "
                                f"server {off}")
        elif name == "severity":
            if "see above" not in cell:
                problems += check_severity_cell(table, cell, where)
        elif doc_default(cell) != s["default"]:
            problems.append(f"{where}: {name} default {cell}, server {s['default']!r}")
    return problems


def test_lsp_md_settings_table_agrees(table):
    rows = markdown_table(REPO / "docs/lsp.md", "| setting | type | default | meaning |")
    problems = check_doc_settings(table, rows, 1, 2, "docs/lsp.md")
    cats = [c["name"] for c in table["categories"]]
    listed = [w for w in ticked(rows[0][3]) if w in cats or re.fullmatch(r"[a-z]+", w)]
    if listed != cats:
        problems.append(f"docs/lsp.md: categories listed {listed}, server {cats}")
    assert not problems, "\n".join(problems)


def test_vscode_readme_agrees(table):
    """The extension's own README: its settings table (the server's settings plus the client's
    own) and the categories its diagnostics carry as codes."""
    path = REPO / "editors/vscode/README.md"
    rows = markdown_table(path, "| setting | default | meaning |")
    server_rows = []
    for row in rows:
        name = ticked(row[0])[0]
        if name not in VSCODE_CLIENT_ONLY:
            server_rows.append([f"`{name.removeprefix('goescape.')}`"] + row[1:])
    problems = check_doc_settings(table, server_rows, None, 1, "editors/vscode/README.md")
    text = path.read_text()
    start = text.index("the category as their code")
    codes = ticked(text[start:text.index(")", start)])
    heap = [c["name"] for c in table["categories"] if c["heap"]]
    if codes != heap:
        problems.append(f"editors/vscode/README.md: diagnostic codes {codes}, heap categories "
                        f"{heap}")
    assert not problems, "\n".join(problems)


def test_readme_settings_and_categories_agree(table):
    rows = markdown_table(REPO / "README.md", "| setting | default | meaning |")
    problems = check_doc_settings(table, rows, None, 1, "README.md")
    cats = {c["name"]: c for c in table["categories"]}
    listed = []
    header = "| category | what it covers | default severity |"
    for row in markdown_table(REPO / "README.md", header):
        for name in ticked(row[0]):
            listed.append(name)
            c = cats.get(name)
            if c is None:
                continue
            if row[2].lower() != c["severity"]:
                problems.append(f"README.md: {name} severity {row[2]}, server {c['severity']}")
            if ("off by default" in row[1]) == c["default"]:
                problems.append(f"README.md: {name} shown by default is {c['default']}")
    if listed != list(cats):
        problems.append(f"README.md: categories {listed}, server {list(cats)}")
    assert not problems, "\n".join(problems)
