// Test-only extension: asserts, from inside VS Code, what the goescape extension shows.
// env: E2E_EXPECT (resolved expectations, see tests/e2e/lib/expect.py), E2E_PROBE_LOG (JSON
// lines written here), E2E_WAIT_MS (per-step limit). The last line is {"done": true, ...}.
const vscode = require('vscode');
const fs = require('fs');

const LOG = process.env.E2E_PROBE_LOG;
const WAIT = Number(process.env.E2E_WAIT_MS || 60000);
const t0 = Date.now();
let failures = 0;

function log(obj) {
  if (LOG) fs.appendFileSync(LOG, JSON.stringify({ ms: Date.now() - t0, ...obj }) + '\n');
}
function check(ok, what, detail) {
  log({ check: what, ok: !!ok, detail });
  if (!ok) failures++;
  return !!ok;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(pred, ms = WAIT) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v || Date.now() > end) return v;
    await sleep(100);
  }
}

function codeOf(d) {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
}
function diags(uri) {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'goescape')
    .map((d) => ({ line: d.range.start.line, character: d.range.start.character, endLine: d.range.end.line,
      endCharacter: d.range.end.character, code: codeOf(d), severity: d.severity, message: d.message }));
}
// a diagnostic matches by its range (start and end, UTF-16 as VS Code counts) and message
function hasDiag(uri, e) {
  return diags(uri).some((d) => d.line === e.start.line && d.character === e.start.u16 &&
    d.endLine === e.end.line && d.endCharacter === e.end.u16 && d.message === e.message && d.code === e.category);
}
function diagText(e) {
  return `diagnostic ${e.start.line}:${e.start.u16}-${e.end.line}:${e.end.u16} [${e.category}] "${e.message}"`;
}
// the hover names the cause and one of the compiler's flow steps (its text and file:line)
function hoverOk(text, h) {
  return text.includes(h.cause) && h.flow.some((s) => text.includes(s.text) && text.includes(s.ref));
}
function labelText(h) {
  return typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
}
async function hints(uri, doc) {
  const range = new vscode.Range(0, 0, doc.lineCount, 0);
  const hs = (await vscode.commands.executeCommand('vscode.executeInlayHintProvider', uri, range)) || [];
  return hs.map((h) => ({ line: h.position.line, character: h.position.character, label: labelText(h) }));
}
function hoverText(hovers) {
  const parts = [];
  for (const h of hovers || []) {
    for (const c of h.contents) parts.push(typeof c === 'string' ? c : c.value);
  }
  return parts.join('\n---\n');
}

async function run() {
  const E = JSON.parse(fs.readFileSync(process.env.E2E_EXPECT, 'utf8'));
  log({ vscode: vscode.version });
  const ext = vscode.extensions.getExtension('goescape.goescape');
  if (!check(ext, 'the goescape extension is installed')) return;
  log({ extension: ext.id, version: ext.packageJSON.version });

  const uri = vscode.Uri.file(E.file);
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  check(doc.languageId === 'go', 'the example opens as a Go file', doc.languageId);
  check(await waitFor(() => ext.isActive, 20000), 'the goescape extension activates on a Go file');
  // no server anywhere: what the user is told is checked on screen by drive.js
  if (process.env.E2E_PROBE_MODE === 'noserver') return;

  // 1. diagnostics: each expected category at its line
  const all = () => E.diagnostics.every((e) => hasDiag(uri, e));
  await waitFor(all);
  log({ diagnostics: diags(uri) });
  for (const e of E.diagnostics) check(hasDiag(uri, e), diagText(e));
  if (!all()) return;

  // 2. inlay hints through VS Code's provider machinery
  const want = E.diagnostics.filter((e) => e.hint);
  const hintAt = (hs, e) => hs.some((h) => h.line === e.hint.pos.line && h.character === e.hint.pos.u16 &&
    h.label.includes(e.hint.label));
  let hs = await waitFor(async () => {
    const got = await hints(uri, doc);
    return want.every((e) => hintAt(got, e)) ? got : null;
  }) || await hints(uri, doc);
  log({ hints: hs });
  for (const e of want) check(hintAt(hs, e), `inlay hint "${e.hint.label}" at ${e.hint.pos.line}:${e.hint.pos.u16}`);

  // 3. hover at the first expected finding
  const hv = await vscode.commands.executeCommand('vscode.executeHoverProvider', uri,
    new vscode.Position(E.hover.line, E.hover.character));
  const ht = hoverText(hv);
  log({ hover: ht });
  check(hoverOk(ht, E.hover), `hover at line ${E.hover.line + 1} has the cause "${E.hover.cause}" and a flow step`);

  // 4. palette commands
  const cmds = await vscode.commands.getCommands(true);
  for (const c of ['goescape.analyzePackage', 'goescape.toggleHints', 'goescape.showLog']) {
    check(cmds.includes(c), `command ${c} is registered`);
  }
  const heapHints = async () => (await hints(uri, doc)).filter((h) => h.label.includes(E.hint_contains)).length;
  await vscode.commands.executeCommand('goescape.toggleHints');
  check(await waitFor(async () => (await heapHints()) === 0, 15000), 'Toggle escape hints: the hints go away');
  await vscode.commands.executeCommand('goescape.toggleHints');
  check(await waitFor(async () => (await heapHints()) > 0, 15000), 'Toggle escape hints again: they come back');
  let analyzeError;
  await vscode.commands.executeCommand('goescape.analyzePackage').then(undefined, (e) => { analyzeError = String(e); });
  check(!analyzeError, 'Analyze package now runs', analyzeError);
  await sleep(500);
  check(await waitFor(all, 20000), 'findings unchanged after Analyze package now');

  // 5. a save re-analyzes: append a function with a new escape, save
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  await editor.edit((eb) => eb.insert(end, E.save.append)); // same text as expect.py assumed
  check(await doc.save(), 'the document saves');
  check(await waitFor(() => hasDiag(uri, E.save)), `after saving, ${diagText(E.save)}`);
  log({ diagnostics_after_save: diags(uri) });
  check(await waitFor(async () => hintAt(await hints(uri, doc), E.save)),
    `after saving, inlay hint "${E.save.hint.label}" at the new line ${E.save.line + 1}`);

  // 6. a setting change applies live
  const off = E.setting_off;
  const cfg = () => vscode.workspace.getConfiguration('goescape');
  await cfg().update('categories', { ...cfg().get('categories'), [off]: false }, vscode.ConfigurationTarget.Global);
  check(await waitFor(() => !diags(uri).some((d) => d.code === off)), `goescape.categories.${off} = false removes the ${off} diagnostics`);
  check(diags(uri).length > 0, 'the other categories stay', diags(uri).map((d) => d.code));
  await cfg().update('categories', undefined, vscode.ConfigurationTarget.Global);
  check(await waitFor(() => diags(uri).some((d) => d.code === off)), `resetting goescape.categories brings the ${off} diagnostics back`);
  await cfg().update('inlayHints', false, vscode.ConfigurationTarget.Global);
  check(await waitFor(async () => (await heapHints()) === 0), 'goescape.inlayHints = false removes the hints');
  await cfg().update('inlayHints', undefined, vscode.ConfigurationTarget.Global);
  check(await waitFor(async () => (await heapHints()) > 0), 'resetting goescape.inlayHints brings them back');

  // 7. a build that fails: the status bar says so (checked by the driver, which answers
  // through a file), and fixing it brings the findings back
  const ack = require('path').join(process.env.E2E_WORK || '/tmp', 'driver-saw-failed');
  const broken = '\nvar _ = undefinedName // added by the end-to-end test\n';
  const endAll = doc.lineAt(doc.lineCount - 1).range.end;
  await editor.edit((eb) => eb.insert(endAll, broken));
  await doc.save();
  log({ await_driver: 'failed' });
  check(await waitFor(() => fs.existsSync(ack), 60000), 'the driver saw the failed build in the status bar');
  const text = doc.getText();
  const at = text.lastIndexOf(broken);
  await editor.edit((eb) => eb.delete(new vscode.Range(doc.positionAt(at), doc.positionAt(at + broken.length))));
  await doc.save();
  check(await waitFor(() => all() && hasDiag(uri, E.save)), 'after fixing the build, the findings are back');

  // 8. a quick fix, as the light bulb applies it: the action's edit, through applyEdit
  {
    const e = E.diagnostics[0];
    const line = doc.lineAt(e.line);
    const before = line.text;
    const indent = before.match(/^\s*/)[0];
    const actions = (await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri,
      new vscode.Range(e.line, 0, e.line, 0), vscode.CodeActionKind.QuickFix.value)) || [];
    log({ code_actions: actions.map((a) => a.title) });
    const ignore = actions.find((a) => a.title === 'Ignore this escape');
    if (check(!!(ignore && ignore.edit), 'the quick fixes offer "Ignore this escape" with an edit')) {
      check(await vscode.workspace.applyEdit(ignore.edit), 'its edit applies');
      const got = [doc.lineAt(e.line).text, doc.lineAt(e.line + 1).text];
      check(got[0] === indent + '//goescape:ignore' && got[1] === before,
        `"Ignore this escape" inserts ${JSON.stringify(indent + '//goescape:ignore')} above line ${e.line + 1}`, got);
      // Taken out again, so the screen shows the findings where the driver expects them.
      await editor.edit((eb) => eb.delete(new vscode.Range(e.line, 0, e.line + 1, 0)));
      await doc.save();
    }
  }

  const fin = diags(uri);
  const HEAP = new Set(['map', 'closure', 'interface', 'slice', 'pointer', 'string', 'moved', 'other']);
  log({ final_diagnostics: fin, heap_count: fin.filter((d) => HEAP.has(d.code)).length });

  // leave the editor at the top of the file for the screenshot
  editor.revealRange(new vscode.Range(0, 0, 0, 0), vscode.TextEditorRevealType.AtTop);
  editor.selection = new vscode.Selection(E.hover.line, 0, E.hover.line, 0);
  await sleep(1000);
}

function activate() {
  if (!process.env.E2E_EXPECT) return;
  run().then(
    () => log({ done: true, failures }),
    (e) => { failures++; log({ check: 'probe raised', ok: false, detail: String(e && e.stack || e) }); log({ done: true, failures }); },
  );
}
module.exports = { activate, deactivate() {} };
