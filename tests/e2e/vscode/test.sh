#!/bin/bash
# VS Code end-to-end test: code-server with the goescape .vsix and the probe extension,
# driven by headless Chromium. Run by tests/e2e/run.sh, which sets:
#   GOESCAPE_BIN GOESCAPE_VSIX E2E_EXPECT E2E_WORK E2E_RESULT E2E_ARTIFACTS E2E_CS_ENV E2E_VSCE
#   E2E_VSCODE_SERVER  "setting" (default): goescape.serverPath names GOESCAPE_BIN;
#                      "bundled": GOESCAPE_VSIX is a linux-x64 .vsix with the server inside, and
#                      neither goescape.serverPath nor PATH offers one;
#                      "none": the universal GOESCAPE_VSIX with no server anywhere (the
#                      error message, its setting name, link and buttons, the status bar)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$E2E_CS_ENV"                                   # node 24, CODE_SERVER, PLAYWRIGHT_DIR, CHROMIUM
D=$E2E_WORK/vscode
mkdir -p "$D/user-data/User" "$D/user-data/Machine" "$D/extensions" "$E2E_ARTIFACTS"
module=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["module"])' "$E2E_EXPECT")

# The extension host takes its environment from a login shell, whose PATH may not be this
# one: name the go command run.sh chose.
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["goescape.goBinary"]=sys.argv[3]; json.dump(s, open(sys.argv[2], "w"), indent=1)' \
  "$here/user-settings.json" "$D/user-data/User/settings.json" "$(command -v go)"
if [ "${E2E_VSCODE_SERVER:-setting}" != setting ]; then
  # bundled: the platform .vsix must run the server it carries; none: the universal .vsix
  # must say what to do. No goescape.serverPath, and no goescape on PATH (directories that
  # hold one are left out).
  keep=""
  IFS=:
  for dir in $PATH; do
    [ -n "$dir" ] && [ ! -e "$dir/goescape" ] && keep=${keep:+$keep:}$dir
  done
  unset IFS
  export PATH=$keep
  # the probe and drive.js then check what the user is told instead of the findings
  [ "$E2E_VSCODE_SERVER" = none ] && export E2E_PROBE_MODE=noserver
  if command -v goescape >/dev/null; then echo "goescape is still on PATH: $(command -v goescape)" >&2; exit 1; fi
  echo "no goescape on PATH, no goescape.serverPath"
else
  # goescape.serverPath is a machine setting: code-server's extension host reads it from
  # the Machine (remote) settings, not from the browser-side User settings.
  python3 -c 'import json,sys; json.dump({"goescape.serverPath": sys.argv[2]}, open(sys.argv[1], "w"))' \
    "$D/user-data/Machine/settings.json" "$GOESCAPE_BIN"
fi

# the probe is packaged like any extension
cp -r "$here/probe" "$D/probe-src"
(cd "$D/probe-src" && "$E2E_VSCE" package --no-dependencies --out "$D/probe.vsix" >"$D/probe-package.log" 2>&1) \
  || { cat "$D/probe-package.log" >&2; exit 1; }

cs() { "$CODE_SERVER" --user-data-dir "$D/user-data" --extensions-dir "$D/extensions" "$@"; }
cs --install-extension "$GOESCAPE_VSIX" >"$D/install.log" 2>&1 || { cat "$D/install.log" >&2; exit 1; }
cs --install-extension "$D/probe.vsix" >>"$D/install.log" 2>&1 || { cat "$D/install.log" >&2; exit 1; }
echo "installed: $(cs --list-extensions --show-versions 2>/dev/null | tr '\n' ' ')"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export E2E_PROBE_LOG=$D/probe.jsonl
: >"$E2E_PROBE_LOG"
# code-server (and its extension host and the goescape server under it) in a process group
# of its own, ended as a whole when this script ends
setsid "$CODE_SERVER" --user-data-dir "$D/user-data" --extensions-dir "$D/extensions" \
  --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
  --disable-workspace-trust "$module" >"$D/code-server.log" 2>&1 &
cs_pid=$!
stop_code_server() {
  kill -TERM -- -$cs_pid 2>/dev/null || return 0
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- -$cs_pid 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL -- -$cs_pid 2>/dev/null || true
}
save_logs() {
  # the goescape output channel (server log and LSP trace) and the extension host's log
  find "$D/user-data/logs" -name '*goescape.log' -exec cp {} "$E2E_ARTIFACTS/e2e-vscode-output.log" \; 2>/dev/null
  find "$D/user-data/logs" -name 'remoteexthost.log' -exec cp {} "$E2E_ARTIFACTS/e2e-vscode-exthost.log" \; 2>/dev/null
  return 0
}
trap 'stop_code_server; save_logs' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 $cs_pid 2>/dev/null || { cat "$D/code-server.log" >&2; exit 1; }
  sleep 0.25
done
echo "code-server on 127.0.0.1:$port (pid $cs_pid)"
if [ "${E2E_VSCODE_SERVER:-setting}" != bundled ]; then
  node "$here/drive.js" "http://127.0.0.1:$port/"
  exit $?
fi
rc=0
node "$here/drive.js" "http://127.0.0.1:$port/" || rc=$?
# Which server ran: the extension logs "[info] starting PATH" in its output channel.
bundled=$(ls -d "$D"/extensions/goescape.goescape-* 2>/dev/null | head -1)/server/goescape
started=$(find "$D/user-data/logs" -name '*goescape.log' -exec grep -ho '\[info\] starting [^ ]*' {} + 2>/dev/null | head -1)
if [ "$started" = "[info] starting $bundled" ] && [ -x "$bundled" ]; then
  echo "ok    the extension started the server it carries: $bundled" | tee -a "$E2E_RESULT"
else
  echo "FAIL  the extension did not start the server it carries ($bundled); its log says: ${started:-nothing}" | tee -a "$E2E_RESULT"
  rc=1
fi
exit $rc
