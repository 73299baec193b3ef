// goescape for VS Code: starts the goescape language server for Go files and shows its
// heap-escape findings as diagnostics, inlay hints, hovers and code lenses.
//
// The extension runs beside the Go extension and gopls: it has its own output channel, only
// attaches to Go files on disk, and its command ids are all under "goescape.".

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  ConfigurationParams,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

const SECTION = 'goescape';
/** Settings that belong to the extension itself and are not sent to the server. */
const CLIENT_ONLY = new Set(['serverPath', 'serverArgs', 'trace']);

/** The body of the server's goescape/status notification (docs/lsp.md). */
interface StatusParams {
  state: 'idle' | 'analyzing' | 'failed';
  package?: string;
  message?: string;
  escapes?: Record<string, number>;
}

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
let lastStatus: StatusParams | undefined;
/** The server's count of heap escapes shown in each file, from goescape/status, by URI. */
const escapeCounts = new Map<string, number>();
let starting: Promise<void> | undefined;
let extContext: vscode.ExtensionContext;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('goescape');
  statusItem = vscode.window.createStatusBarItem('goescape.status', vscode.StatusBarAlignment.Left, 0);
  statusItem.name = 'goescape';
  statusItem.command = 'goescape.showLog';
  context.subscriptions.push(output, statusItem);

  context.subscriptions.push(
    vscode.commands.registerCommand('goescape.analyzePackage', analyzePackage),
    vscode.commands.registerCommand('goescape.toggleHints', toggleHints),
    vscode.commands.registerCommand('goescape.showLog', () => output.show(true)),
    vscode.commands.registerCommand('goescape.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration(onConfigurationChanged),
    vscode.window.onDidChangeActiveTextEditor(updateStatusItem),
  );

  updateStatusItem();
  await start(context);
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop().catch(() => undefined);
}

// ---------------------------------------------------------------------------------------
// Finding the server

function expandPath(p: string): string {
  let out = p.trim();
  if (out === '~' || out.startsWith('~/')) out = path.join(os.homedir(), out.slice(1));
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder) out = out.replace(/\$\{workspaceFolder\}/g, folder);
  return out;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The platforms a platform-specific .vsix carries a server for (build-vsix.sh --target). */
const BUNDLED_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];
/** Where the README says how to get a server for any platform. */
const INSTALL_DOCS = 'https://github.com/goescape/goescape#quick-start';

/** This machine as a VS Code target name, e.g. "linux-x64" or "darwin-arm64". */
function platformTarget(): string {
  return `${process.platform}-${process.arch}`;
}

/** The server inside a platform-specific .vsix (server/goescape), if this one has it.
 * Zip extraction may lose the executable bit: it is set again here. */
function bundledServer(): string | undefined {
  if (!extContext) return undefined;
  const exe = process.platform === 'win32' ? 'goescape.exe' : 'goescape';
  const p = path.join(extContext.extensionPath, 'server', exe);
  try {
    if (!fs.statSync(p).isFile()) return undefined;
  } catch {
    return undefined;
  }
  if (!isExecutable(p)) {
    try {
      fs.chmodSync(p, 0o755);
    } catch (err) {
      output.appendLine(`[warn] cannot make ${p} executable: ${String(err)}`);
    }
  }
  return isExecutable(p) ? p : undefined;
}

/** The server binary: goescape.serverPath, then the one bundled in this .vsix, then
 * goescape on PATH. */
function resolveServer(): { path?: string; problem?: string } {
  const configured = vscode.workspace.getConfiguration(SECTION).get<string>('serverPath', '');
  if (configured && configured.trim()) {
    const p = expandPath(configured);
    if (isExecutable(p)) return { path: p };
    return { problem: `goescape.serverPath is set to "${configured}", which is not an executable file.` };
  }
  const bundled = bundledServer();
  if (bundled) return { path: bundled };
  const found = findOnPath('goescape');
  if (found) return { path: found };
  const target = platformTarget();
  const why = BUNDLED_TARGETS.includes(target)
    ? `This is the universal goescape extension, which has no server built in for ${target}`
    : `goescape has no server built in for ${target} (there are builds for ${BUNDLED_TARGETS.join(', ')})`;
  return { problem: `${why}, and goescape was not found on PATH.` };
}

/** Opens the settings editor at goescape.serverPath, on the Remote tab in a remote window
 * (a machine setting is not shown on the User tab there). */
async function openServerPathSetting(): Promise<void> {
  const query = 'goescape.serverPath';
  if (vscode.env.remoteName) {
    try {
      await vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query });
      return;
    } catch {
      // older VS Code: fall back to the plain settings editor
    }
  }
  await vscode.commands.executeCommand('workbench.action.openSettings', query);
}

/** Tells the user how to install the server; does not wait for the message's buttons. */
function reportMissingServer(problem: string): void {
  const remote = vscode.env.remoteName ? ' (in the Remote settings of this window)' : '';
  const msg =
    `${problem} Install the goescape binary from a release archive or build it from source ` +
    `(${INSTALL_DOCS}), then put it on PATH or set "goescape.serverPath"${remote} to it.`;
  output.appendLine(`[error] ${msg}`);
  setStatus('$(error) goescape: no server', msg, true);
  void vscode.window.showErrorMessage(msg, 'Open Settings', 'Installation Guide', 'Show Log').then(async (choice) => {
    if (choice === 'Open Settings') {
      await openServerPathSetting();
    } else if (choice === 'Installation Guide') {
      await vscode.env.openExternal(vscode.Uri.parse(INSTALL_DOCS));
    } else if (choice === 'Show Log') {
      output.show(true);
    }
  });
}

// ---------------------------------------------------------------------------------------
// Settings

/** The goescape settings the server understands, as a plain JSON object. */
function serverSettings(scope?: vscode.Uri): Record<string, unknown> {
  const cfg = vscode.workspace.getConfiguration(SECTION, scope);
  const pkg = extContext?.extension.packageJSON;
  const props: Record<string, unknown> = pkg?.contributes?.configuration?.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const full of Object.keys(props)) {
    const key = full.slice(SECTION.length + 1);
    if (key.includes('.') || CLIENT_ONLY.has(key)) continue;
    const value = cfg.get(key);
    if (value !== undefined) out[key] = JSON.parse(JSON.stringify(value));
  }
  return out;
}

async function onConfigurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
  if (!e.affectsConfiguration(SECTION)) return;
  if (e.affectsConfiguration('goescape.serverPath') || e.affectsConfiguration('goescape.serverArgs')) {
    output.appendLine('[info] server path or arguments changed: restarting');
    await restart();
    return;
  }
  if (client && client.state === State.Running) {
    await client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SECTION]: serverSettings() },
    });
  }
}

// ---------------------------------------------------------------------------------------
// The client

async function start(context?: vscode.ExtensionContext): Promise<void> {
  if (context) extContext = context;
  if (starting) return starting;
  starting = doStart().finally(() => {
    starting = undefined;
  });
  return starting;
}

async function doStart(): Promise<void> {
  const server = resolveServer();
  if (!server.path) {
    reportMissingServer(server.problem ?? 'The goescape server was not found.');
    return;
  }
  const args = vscode.workspace.getConfiguration(SECTION).get<string[]>('serverArgs', []);
  output.appendLine(`[info] starting ${server.path} ${args.join(' ')}`.trimEnd());

  const serverOptions: ServerOptions = {
    command: server.path,
    args,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'go' }],
    outputChannel: output,
    traceOutputChannel: output,
    // Under the goescape key, so that in companion mode gopls never sees them.
    initializationOptions: () => ({ [SECTION]: serverSettings() }),
    // didChangeConfiguration is sent by onConfigurationChanged, with the client-only
    // settings left out.
    synchronize: {},
    middleware: {
      workspace: {
        configuration: async (params: ConfigurationParams, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return params.items.map((item, i) => {
            if (item.section !== SECTION) return result[i];
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            return serverSettings(scope);
          });
        },
      },
    },
  };

  const c = new LanguageClient('goescape', 'goescape', serverOptions, clientOptions);
  client = c;
  c.onDidChangeState((e) => {
    if (e.newState === State.Stopped && client === c) {
      lastStatus = undefined;
      escapeCounts.clear();
      setStatus('$(circle-slash) goescape: stopped', 'The goescape server is not running. Click to open the log.', true);
    } else {
      updateStatusItem();
    }
  });
  extContext.subscriptions.push(
    c.onNotification('goescape/status', (params: StatusParams) => {
      lastStatus = params;
      // A status covers one package's files in view: later statuses of other packages leave
      // these counts alone. URIs are compared in VS Code's own spelling.
      for (const [uri, n] of Object.entries(params.escapes ?? {})) {
        escapeCounts.set(vscode.Uri.parse(uri).toString(), n);
      }
      updateStatusItem();
    }),
  );
  try {
    await c.start();
  } catch (err) {
    output.appendLine(`[error] the server did not start: ${String(err)}`);
    setStatus('$(error) goescape: server failed', String(err), true);
    return;
  }
  updateStatusItem();
}

async function restart(): Promise<void> {
  const c = client;
  client = undefined;
  lastStatus = undefined;
  escapeCounts.clear();
  if (c) await c.stop().catch(() => undefined);
  await start();
}

function runningClient(): LanguageClient | undefined {
  if (client && client.state === State.Running) return client;
  void vscode.window.showWarningMessage('goescape: the server is not running. See "goescape: Show server log".');
  return undefined;
}

async function analyzePackage(): Promise<void> {
  const c = runningClient();
  if (!c) return;
  const doc = vscode.window.activeTextEditor?.document;
  const args = doc && doc.languageId === 'go' && doc.uri.scheme === 'file' ? [c.code2ProtocolConverter.asUri(doc.uri)] : [];
  try {
    await c.sendRequest(ExecuteCommandRequest.type, { command: 'goescape.analyze', arguments: args });
  } catch (err) {
    output.appendLine(`[error] goescape.analyze: ${String(err)}`);
    void vscode.window.showErrorMessage(`goescape: analysis request failed: ${String(err)}`);
  }
}

async function toggleHints(): Promise<void> {
  const c = runningClient();
  if (!c) return;
  try {
    const result = (await c.sendRequest(ExecuteCommandRequest.type, {
      command: 'goescape.toggle',
      arguments: [],
    })) as { inlayHints?: boolean } | null;
    if (result && typeof result.inlayHints === 'boolean') {
      void vscode.window.setStatusBarMessage(`goescape: escape hints ${result.inlayHints ? 'on' : 'off'}`, 3000);
    }
  } catch (err) {
    output.appendLine(`[error] goescape.toggle: ${String(err)}`);
    void vscode.window.showErrorMessage(`goescape: toggle failed: ${String(err)}`);
  }
}

// ---------------------------------------------------------------------------------------
// Status bar

function setStatus(text: string, tooltip: string, show: boolean): void {
  statusItem.text = text;
  statusItem.tooltip = tooltip;
  if (show) statusItem.show();
  else statusItem.hide();
}

/** Heap escapes shown in a document, as the server counts them (0 before its first count). */
function escapesIn(uri: vscode.Uri): number {
  return escapeCounts.get(uri.toString()) ?? 0;
}

function updateStatusItem(): void {
  if (!statusItem) return;
  const editor = vscode.window.activeTextEditor;
  const isGo = editor?.document.languageId === 'go';
  if (!client) {
    // A missing server keeps its error item; otherwise nothing to show yet.
    if (!statusItem.text.includes('no server')) statusItem.hide();
    return;
  }
  if (!isGo && lastStatus?.state !== 'analyzing') {
    statusItem.hide();
    return;
  }
  const count = editor && isGo ? escapesIn(editor.document.uri) : 0;
  const countText = isGo ? ` · ${count} heap escape${count === 1 ? '' : 's'}` : '';
  const pkg = lastStatus?.package ? ` ${lastStatus.package}` : '';
  const msg = lastStatus?.message ? `\n${lastStatus.message}` : '';
  switch (lastStatus?.state) {
    case 'analyzing':
      setStatus(`$(sync~spin) goescape: analyzing${countText}`, `Analyzing${pkg}…${msg}\nClick to open the log.`, true);
      break;
    case 'failed':
      setStatus(`$(error) goescape: build failed${countText}`, `Build failed${pkg}${msg}\nClick to open the log.`, true);
      break;
    default:
      setStatus(`$(check) goescape${countText}`, `goescape is idle${pkg}${msg}\nClick to open the log.`, true);
  }
}
