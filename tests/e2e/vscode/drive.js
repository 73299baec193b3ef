// Drives code-server in headless Chromium (playwright-core) while the probe extension runs
// its assertions inside VS Code; then checks what a person sees in the editor's DOM
// (squiggles, each expected hint's text at its place in its line, the status bar item, a
// hover with a cause and a flow step, the server log from the command palette) and takes
// screenshots.
// usage: node drive.js URL
// env: PLAYWRIGHT_DIR, CHROMIUM, E2E_PROBE_LOG, E2E_ARTIFACTS, E2E_RESULT, E2E_WAIT_MS
const { chromium } = require(process.env.PLAYWRIGHT_DIR || 'playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const URL = process.argv[2];
const ART = process.env.E2E_ARTIFACTS || '.';
const PROBE_LOG = process.env.E2E_PROBE_LOG;
const RESULT = process.env.E2E_RESULT;
const PROBE_WAIT = Number(process.env.E2E_PROBE_WAIT_MS || 180000);
const t0 = Date.now();
const lines = [];
let failures = 0;
function log(s) {
  const l = `[${String(Date.now() - t0).padStart(6)} ms] ${s}`;
  lines.push(l);
  console.log(l);
}
function check(ok, what) {
  log(`${ok ? 'ok   ' : 'FAIL '}${what}`);
  if (!ok) failures++;
  return ok;
}
function finish(code) {
  const pass = code === 0 && failures === 0;
  log(`${pass ? 'PASS' : 'FAIL'}: ${failures} failure(s)`);
  if (RESULT) fs.writeFileSync(RESULT, lines.join('\n') + '\n');
  process.exit(pass ? 0 : 1);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function probeLines() {
  try {
    return fs.readFileSync(PROBE_LOG, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

// No server in the extension, on PATH or in goescape.serverPath: the user must be told
// what is missing and where to look, with the setting's name and the installation guide.
async function noServer(page) {
  const toast = () => page.evaluate(() => [...document.querySelectorAll('.notification-toast')]
    .map((e) => e.textContent.replace(/\u00a0/g, ' ')).filter((t) => t.includes('goescape')));
  let texts = [];
  for (let i = 0; i < 80 && texts.length === 0; i++) {
    texts = await toast();
    if (texts.length === 0) await sleep(250);
  }
  log('notification: ' + JSON.stringify(texts));
  const t = texts.join(' ');
  check(/no server built in for linux-x64/.test(t) && /not found on PATH/.test(t), 'an error says no server is built in for this platform and none is on PATH');
  check(t.includes('goescape.serverPath'), 'it names the setting goescape.serverPath');
  check(t.includes('https://github.com/goescape/goescape#quick-start'), 'it links the installation guide');
  check(t.includes('Open Settings') && t.includes('Installation Guide'), 'it offers "Open Settings" and "Installation Guide"');
  const status = await page.evaluate(() => [...document.querySelectorAll('.statusbar-item')]
    .map((e) => e.textContent.trim()).filter((x) => x.includes('goescape')));
  check(status.some((x) => x.includes('no server')), 'the status bar says "goescape: no server": ' + JSON.stringify(status));
  await page.screenshot({ path: path.join(ART, 'vscode-noserver.png') });
  log('screenshot: ' + path.join(ART, 'vscode-noserver.png'));
  return 0;
}

(async () => {
  const userDataDir = fs.mkdtempSync(path.join(process.env.E2E_WORK || os.tmpdir(), 'chromium-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    env: { ...process.env, XDG_CONFIG_HOME: userDataDir, XDG_CACHE_HOME: userDataDir },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-crash-reporter', '--disable-breakpad'],
  });
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    page.on('pageerror', (e) => log('pageerror: ' + e.message));
    await page.goto(URL);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    log('workbench loaded');

    // the probe extension opens the example and runs its checks inside VS Code
    let seen = 0;
    let done = null;
    const end = Date.now() + PROBE_WAIT;
    const statusTexts = () => page.evaluate(() => [...document.querySelectorAll('.statusbar-item')]
      .map((e) => e.textContent.trim()).filter((t) => t.includes('goescape')));
    while (!done && Date.now() < end) {
      const ps = probeLines();
      for (const p of ps.slice(seen)) {
        if (p.await_driver === 'failed') {
          // the probe broke the build and saved: the status bar must say so
          const states = new Set();
          let failed = false;
          for (let i = 0; i < 300 && !failed; i++) {
            const st = (await statusTexts()).join(' ');
            if (st) states.add(st);
            failed = /build failed/.test(st);
            if (!failed) await sleep(100);
          }
          log('status bar while the build fails: ' + JSON.stringify([...states]));
          check(failed, 'status bar item shows "build failed"');
          if ([...states].some((t) => /analyzing/.test(t))) log('(the "analyzing" state was seen on the way)');
          await page.screenshot({ path: path.join(ART, 'vscode-failed.png') });
          fs.writeFileSync(path.join(process.env.E2E_WORK || '/tmp', 'driver-saw-failed'), 'ok\n');
        }
        if (p.check !== undefined) log(`probe: ${p.ok ? 'ok   ' : 'FAIL '}${p.check}${p.detail ? ' — ' + JSON.stringify(p.detail) : ''}`);
        else if (!p.done) log('probe: ' + JSON.stringify(p).slice(0, 1500));
        if (p.check !== undefined && !p.ok) failures++;
        if (p.done) done = p;
      }
      seen = ps.length;
      if (!done) await sleep(250);
    }
    if (!check(done, 'the probe extension finished its checks')) {
      await page.screenshot({ path: path.join(ART, 'vscode-timeout.png') });
      return finish(1);
    }
    if (process.env.E2E_PROBE_MODE === 'noserver') return finish(await noServer(page));
    const finalDiags = [...probeLines()].reverse().find((p) => p.final_diagnostics);

    // what a person sees: squiggles, hint text and the status bar item
    await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30000 });
    let squiggles = 0;
    let hintTexts = [];
    for (let i = 0; i < 40; i++) {
      squiggles = await page.locator('.monaco-editor .squiggly-info, .monaco-editor .squiggly-warning, .monaco-editor .squiggly-error').count();
      hintTexts = await page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-line span[class*="dyn-rule"]')]
        .map((e) => e.textContent.replace(/\u00a0/g, ' ').trim()).filter((t) => t.includes('heap')));
      if (squiggles > 0 && hintTexts.length > 0) break;
      await sleep(250);
    }
    check(squiggles > 0, `information squiggles on screen (${squiggles})`);
    check(hintTexts.length > 0, `inlay hint text on screen: ${JSON.stringify(hintTexts.slice(0, 4))}`);

    // each expected hint on screen, at its place: in the view line of its source line,
    // after exactly the text before its position (the editor is scrolled to the top)
    const E = JSON.parse(fs.readFileSync(process.env.E2E_EXPECT, 'utf8'));
    const want = E.diagnostics.filter((e) => e.hint).map((e) => {
      const line = fs.readFileSync(E.file, 'utf8').split('\n')[e.hint.pos.line];
      return { text: e.text, label: e.hint.label, before: line.slice(0, e.hint.pos.u16).trimStart(), line: e.hint.pos.line };
    });
    const drawn = async () => page.evaluate((want) => {
      const norm = (s) => s.replace(/\u00a0/g, ' ');
      return want.map((w) => {
        for (const vl of document.querySelectorAll('.monaco-editor .view-lines .view-line')) {
          const hintEls = [...vl.querySelectorAll('span[class*="dyn-rule"]')];
          const parts = [];
          const walker = document.createTreeWalker(vl, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            parts.push({ text: norm(n.textContent), hint: hintEls.some((h) => h.contains(n)) });
          }
          const plain = parts.filter((p) => !p.hint).map((p) => p.text).join('');
          if (plain.trim() !== w.text) continue;
          let before = '';
          for (let i = 0; i < parts.length; i++) {
            if (!parts[i].hint) {
              before += parts[i].text;
              continue;
            }
            let label = '';
            for (let j = i; j < parts.length && parts[j].hint; j++) label += parts[j].text;
            if (label.includes(w.label)) return { found: true, before: before.trimStart(), label: label.trim() };
            while (i + 1 < parts.length && parts[i + 1].hint) i++;
          }
          return { found: false, line: norm(vl.textContent) };
        }
        return { found: false, line: null };
      });
    }, want);
    let got = [];
    for (let i = 0; i < 40; i++) {
      got = await drawn();
      if (got.every((g, k) => g.found && g.before === want[k].before)) break;
      await sleep(250);
    }
    want.forEach((w, k) => {
      const g = got[k];
      check(g.found && g.before === w.before,
        `inlay hint "${w.label}" on screen at line ${w.line + 1} after "${w.before}" (${JSON.stringify(g)})`);
    });
    let status = await statusTexts();
    // wait for the end of any analysis still running (the probe's last save)
    for (let i = 0; i < 120 && (!/heap escape/.test(status.join(' ')) || /analyzing/.test(status.join(' '))); i++) {
      await sleep(250);
      status = await statusTexts();
    }
    log('status bar: ' + JSON.stringify(status));
    const m = status.join(' ').match(/(\d+) heap escapes?/);
    check(m, 'status bar item shows the number of heap escapes');
    if (m && finalDiags) {
      check(Number(m[1]) === finalDiags.heap_count, `status bar count ${m[1]} = heap diagnostics in the file (${finalDiags.heap_count})`);
    }
    await page.screenshot({ path: path.join(ART, 'vscode.png') });
    log('screenshot: ' + path.join(ART, 'vscode.png'));

    // hover a squiggle
    const sq = page.locator('.monaco-editor .squiggly-info').first();
    if (await sq.count()) {
      await sq.hover({ force: true });
      const hov = page.locator('.monaco-hover:not(.hidden)');
      let htxt = '';
      // the hover names a finding's cause and one of the compiler's flow steps for it
      const hoverOk = (t) => E.diagnostics.some((e) => t.includes(e.cause) &&
        e.flow.some((st) => t.includes(st.text) && t.includes(st.ref)));
      for (let i = 0; i < 20 && !hoverOk(htxt); i++) {
        await sleep(250);
        htxt = (await hov.allInnerTexts().catch(() => [])).join('\n');
      }
      log('hover on screen: ' + JSON.stringify(htxt.slice(0, 400)));
      check(hoverOk(htxt), "hovering a squiggle shows its finding's cause and a flow step");
      await page.screenshot({ path: path.join(ART, 'vscode-hover.png') });
      await page.mouse.move(5, 5);
      await page.keyboard.press('Escape');
    }

    // command palette: goescape: Show server log
    await page.locator('.monaco-editor textarea').first().focus();
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10000 });
    await page.keyboard.type('goescape: Show server log');
    await sleep(500);
    const items = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
    log('palette: ' + JSON.stringify(items.slice(0, 5)));
    check(items.some((t) => t.includes('Show server log')), 'the palette lists "goescape: Show server log"');
    await page.keyboard.press('Enter');
    let out = '';
    let channel = '';
    for (let i = 0; i < 40 && !(channel === 'goescape' && out.trim()); i++) {
      await sleep(250);
      channel = await page.evaluate(() => {
        const sel = document.querySelector('.panel select.monaco-select-box');
        return sel && sel.selectedIndex >= 0 ? sel.options[sel.selectedIndex].text : '';
      });
      out = (await page.locator('.panel .monaco-editor .view-lines').allInnerTexts().catch(() => [])).join('\n');
    }
    log(`output channel: "${channel}", ${out.length} characters shown`);
    check(channel === 'goescape' && out.trim().length > 0, 'the goescape output channel opens with the server log');
    await page.screenshot({ path: path.join(ART, 'vscode-log.png') });
    finish(0);
  } finally {
    await ctx.close().catch(() => undefined);
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
})().catch((e) => {
  check(false, 'driver raised: ' + (e && e.stack || e));
  finish(2);
});
