#!/bin/bash
# Real-editor tests: the editor integrations in editors/ against the real goescape server
# and the real go command, in five editors:
#   vscode   code-server 4.139 (VS Code 1.139) + headless Chromium, the packaged .vsix
#   vscode-bundled  the same with the linux-x64 .vsix that carries GOESCAPE_BIN, and no
#            goescape on PATH or in goescape.serverPath
#   vscode-noserver  the universal .vsix with no server anywhere: the message the user gets
#   nvim10   Neovim 0.10 in tmux (diagnostics, hints as drawn, lenses, hover, commands, save, settings)
#   nvim10-gopls  Neovim 0.10 in tmux in companion mode with the pinned gopls: one client,
#            K shows one float with gopls's part and the escape section, gopls's completion,
#            a definition jump and its settings; nvim-lspconfig's gopls starts for none of
#            three Go files (E2E_LSPCONFIG: a checkout of nvim-lspconfig to use instead of
#            the stand-in in nvim/lspconfig/)
#   nvim-unstable-gopls  the newest Neovim Debian has (0.11+) in tmux: companion mode through
#            vim.lsp.config/vim.lsp.enable (companion_config()), beside the user's enabled
#            gopls, which starts for none of three Go files and still serves go.mod
#   nvim10-install  :GoescapeInstall in Neovim 0.10 from archives served on 127.0.0.1
#   nvim07   Neovim 0.7 from Debian in tmux (diagnostics, lenses, hover, save)
#   emacs30  Emacs 30 + eglot 1.17 in tmux (flymake, hints as drawn, hover, toggle, save, settings)
#   emacs30-gopls  Emacs 30 in tmux set up as README.md says, goescape and gopls on PATH, a module
#            of its own: gopls's completion and xref, goescape's flymake escapes, eldoc with both
#   emacs28  Emacs 28 + eglot 1.9 from Debian, batch (flymake, hover, save, settings)
#   emacs28-gopls  the same in companion mode with the pinned gopls, plus gopls's completion
#            and an xref jump to a definition
#
# usage: tests/e2e/run.sh [TEST...]        (default: all of them)
# env:
#   GOESCAPE_BIN        the server (default: build/goescape)
#   GOESCAPE_VSIX       the VS Code extension (default: newest build/goescape-*.vsix, else
#                       built with editors/vscode/build-vsix.sh into the scratch directory)
#   GOESCAPE_SKIP_E2E=1 skip everything (says so)
#   GOESCAPE_E2E_CACHE  where editors are installed (default ~/.cache/goescape-e2e)
#   GOESCAPE_E2E_ARTIFACTS  results, logs, screenshots (default tests/artifacts)
#   GOESCAPE_E2E_KEEP=1 keep the scratch directory
# Installs what is missing (idempotent; apt-get only as root). Every test runs in its own
# process group under a hard timeout; nothing it started (editor, server, go, browser) is
# left running afterwards.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ "${GOESCAPE_SKIP_E2E:-0}" = 1 ]; then
  echo "e2e: SKIPPED — GOESCAPE_SKIP_E2E=1, no editor test was run"
  exit 0
fi

ALL="vscode vscode-bundled vscode-noserver nvim10 nvim10-gopls nvim-unstable-gopls nvim10-install nvim07 emacs30 emacs30-gopls emacs28 emacs28-gopls"
TESTS=${*:-$ALL}
for t in $TESTS; do
  case " $ALL " in *" $t "*) ;; *) echo "e2e: unknown test '$t' (known: $ALL)" >&2; exit 2 ;; esac
done

CACHE=${GOESCAPE_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goescape-e2e}
ART=${GOESCAPE_E2E_ARTIFACTS:-$repo/tests/artifacts}
mkdir -p "$ART" "$CACHE"
ART=$(cd "$ART" && pwd)

GOESCAPE_BIN=${GOESCAPE_BIN:-$repo/build/goescape}
case "$GOESCAPE_BIN" in /*) ;; *) GOESCAPE_BIN=$(pwd)/$GOESCAPE_BIN ;; esac
if [ ! -x "$GOESCAPE_BIN" ]; then
  echo "e2e: no goescape server at $GOESCAPE_BIN (build it with make, or set GOESCAPE_BIN)" >&2
  exit 2
fi
GO=$(command -v go) || { echo "e2e: the go command is not on PATH" >&2; exit 2; }

# --- scratch directory, process cleanup ------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/goescape-e2e.XXXXXX")
RUN_ID=goescape-e2e-$$-$RANDOM   # set in every test's environment, not in this script's
GROUPS_STARTED=()

has_run_id() { { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qx "E2E_RUN_ID=$RUN_ID"; }
# Processes of this run: every test's process group, and whatever carries this run's
# E2E_RUN_ID in its environment (e.g. a browser that moved to its own process group).
kill_ours() {
  local sig=$1 g p
  for g in "${GROUPS_STARTED[@]}"; do kill -"$sig" -- -"$g" 2>/dev/null; done
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    has_run_id "$p" && kill -"$sig" "$p" 2>/dev/null
  done
}
leftovers() {
  local p out=""
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    if has_run_id "$p"; then
      out="$out $p:$( { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | cut -c1-60)"
    fi
  done
  echo "$out"
}
cleanup() {
  kill_ours TERM
  sleep 0.5
  kill_ours KILL
  if [ "${GOESCAPE_E2E_KEEP:-0}" = 1 ]; then echo "e2e: scratch directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "e2e: interrupted"; exit 130' INT TERM

# --- installing the editors (idempotent) ------------------------------------------------
. "$here/install/_apt-suite.sh"
is_root() { [ "$(id -u)" = 0 ]; }
log_install() { echo "e2e: $*"; }

need() { case " $TESTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
INSTALL_FAILED=""

# the Neovim and Emacs 30 tests run the terminal UI in a tmux pane and read the screen back
if { need nvim10 || need nvim10-gopls || need nvim-unstable-gopls || need nvim07 || need emacs30 || need emacs30-gopls; } \
    && ! command -v tmux >/dev/null; then
  if is_root; then log_install "apt-get install tmux"; ge_apt_install tmux; fi
  command -v tmux >/dev/null \
    || INSTALL_FAILED="$INSTALL_FAILED nvim10 nvim10-gopls nvim-unstable-gopls nvim07 emacs30 emacs30-gopls"
fi
if need nvim10 || need nvim10-gopls || need nvim10-install; then
  NVIM10=$("$here/install/install-neovim.sh" "$CACHE/neovim" >"$WORK/install-neovim.log" 2>&1 && echo "$CACHE/neovim/nvim") \
    || { cat "$WORK/install-neovim.log" >&2; INSTALL_FAILED="$INSTALL_FAILED nvim10 nvim10-gopls nvim10-install"; }
fi
if need nvim-unstable-gopls; then
  NVIMU=$("$here/install/install-neovim-unstable.sh" "$CACHE/neovim-unstable" >"$WORK/install-neovim-unstable.log" 2>&1 \
      && echo "$CACHE/neovim-unstable/nvim") \
    || { cat "$WORK/install-neovim-unstable.log" >&2; INSTALL_FAILED="$INSTALL_FAILED nvim-unstable-gopls"; }
fi
if need nvim10-gopls || need nvim-unstable-gopls; then
  GOPLS_NVIM=$(cd "$repo/tests/lsp" && python3 -c 'from support.gopls import gopls_path; print(gopls_path() or "")')
  [ -n "$GOPLS_NVIM" ] || INSTALL_FAILED="$INSTALL_FAILED nvim10-gopls nvim-unstable-gopls"
fi
if need nvim07; then
  if ! command -v nvim >/dev/null && is_root; then log_install "apt-get install neovim"; ge_apt_install neovim; fi
  NVIM07=$(command -v nvim) || INSTALL_FAILED="$INSTALL_FAILED nvim07"
fi
if need emacs28-gopls || need emacs30-gopls; then
  GOPLS=$(cd "$repo/tests/lsp" && python3 -c 'from support.gopls import gopls_path; print(gopls_path() or "")')
  [ -n "$GOPLS" ] || INSTALL_FAILED="$INSTALL_FAILED emacs28-gopls emacs30-gopls"
fi
if need emacs28 || need emacs28-gopls; then
  if ! { command -v emacs >/dev/null && [ -d /usr/share/emacs/site-lisp/elpa-src ] \
      && ls /usr/share/emacs/site-lisp/elpa-src | grep -q '^eglot-' \
      && ls /usr/share/emacs/site-lisp/elpa-src | grep -q '^go-mode-'; } && is_root; then
    log_install "apt-get install emacs-nox elpa-eglot elpa-go-mode"
    ge_apt_install --no-install-recommends emacs-nox elpa-eglot elpa-go-mode
  fi
  EMACS28=$(command -v emacs) || INSTALL_FAILED="$INSTALL_FAILED emacs28 emacs28-gopls"
fi
if need emacs30 || need emacs30-gopls; then
  EMACS30=$("$here/install/install-emacs.sh" "$CACHE/emacs" >"$WORK/install-emacs.log" 2>&1 && echo "$CACHE/emacs/emacs") \
    || { cat "$WORK/install-emacs.log" >&2; INSTALL_FAILED="$INSTALL_FAILED emacs30 emacs30-gopls"; }
fi
if need vscode || need vscode-bundled || need vscode-noserver; then
  log_install "code-server (a few minutes the first time)"
  "$here/install/install-code-server.sh" "$CACHE/code-server" >"$WORK/install-code-server.log" 2>&1 \
    || { tail -30 "$WORK/install-code-server.log" >&2; INSTALL_FAILED="$INSTALL_FAILED vscode vscode-bundled vscode-noserver"; }
  VSCODE_DIR=$repo/editors/vscode
  if [ ! -x "$VSCODE_DIR/node_modules/.bin/vsce" ]; then
    (cd "$VSCODE_DIR" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >"$WORK/npm-ci.log" 2>&1 \
      || { cat "$WORK/npm-ci.log" >&2; INSTALL_FAILED="$INSTALL_FAILED vscode vscode-bundled vscode-noserver"; }
  fi
  if { need vscode || need vscode-noserver; } && [ -z "${GOESCAPE_VSIX:-}" ]; then
    # the universal one: platform .vsix files end in -TARGET.vsix
    GOESCAPE_VSIX=$(ls -t "$repo"/build/goescape-*.vsix 2>/dev/null | grep -Ev -- '-(linux|darwin|win32|alpine)-[a-z0-9]+\.vsix$' | head -1)
    # a .vsix older than the extension's sources is not what is being tested
    if [ -n "$GOESCAPE_VSIX" ] && [ -n "$(find "$VSCODE_DIR/src" "$VSCODE_DIR/package.json" \
        "$VSCODE_DIR/README.md" "$VSCODE_DIR/images" -newer "$GOESCAPE_VSIX" 2>/dev/null | head -1)" ]; then
      log_install "$GOESCAPE_VSIX is older than editors/vscode: building a fresh one"
      GOESCAPE_VSIX=
    fi
    if [ -z "$GOESCAPE_VSIX" ]; then
      log_install "building the .vsix (editors/vscode/build-vsix.sh)"
      GOESCAPE_VSIX=$("$VSCODE_DIR/build-vsix.sh" "$WORK/vsix/" 2>"$WORK/vsix.log" | tail -1) \
        || { cat "$WORK/vsix.log" >&2; INSTALL_FAILED="$INSTALL_FAILED vscode vscode-noserver"; }
    fi
  fi
  case "${GOESCAPE_VSIX:-}" in /*) ;; "") ;; *) GOESCAPE_VSIX=$(pwd)/$GOESCAPE_VSIX ;; esac
fi
if need vscode-bundled; then
  # always built on the spot: it carries the server under test
  log_install "building the linux-x64 .vsix with $GOESCAPE_BIN inside"
  VSIX_BUNDLED=$("$VSCODE_DIR/build-vsix.sh" --target linux-x64 --binary "$GOESCAPE_BIN" "$WORK/vsix-linux-x64/" \
      2>"$WORK/vsix-linux-x64.log" | tail -1)
  [ -f "${VSIX_BUNDLED:-}" ] || { cat "$WORK/vsix-linux-x64.log" >&2; INSTALL_FAILED="$INSTALL_FAILED vscode-bundled"; }
fi

# --- the example module -----------------------------------------------------------------
MODULE_SRC=$repo/examples                     # copied for every test
EXPECT_SPEC=$here/expect/examples.json        # what each editor must show for it
[ -f "$MODULE_SRC/go.mod" ] || { echo "e2e: $MODULE_SRC/go.mod is missing" >&2; exit 2; }

# go's caches stay the user's own (fast, no downloads); everything else is scratch
GOCACHE_REAL=$("$GO" env GOCACHE)
GOMODCACHE_REAL=$("$GO" env GOMODCACHE)
GOPATH_REAL=$("$GO" env GOPATH)

# --- one test ---------------------------------------------------------------------------
declare -A RESULT SECS
prepare() { # prepare NAME -> sets T (its scratch dir), copies the module, resolves expectations
  T=$WORK/$1
  mkdir -p "$T/home/.config" "$T/home/.local/share" "$T/home/.local/state" "$T/home/.cache"
  cp -r "$MODULE_SRC" "$T/module"
  python3 "$here/lib/expect.py" "$EXPECT_SPEC" "$T/module" >"$T/expect.json" || return 1
}

run_test() { # run_test NAME TIMEOUT_S CMD...
  local name=$1 limit=$2; shift 2
  local start end rc pid left
  echo "e2e: --- $name (limit ${limit}s)"
  start=$(date +%s.%N)
  (
    export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_DATA_HOME=$T/home/.local/share
    export XDG_STATE_HOME=$T/home/.local/state XDG_CACHE_HOME=$T/home/.cache
    export GOCACHE=$GOCACHE_REAL GOMODCACHE=$GOMODCACHE_REAL GOPATH=$GOPATH_REAL
    export GOTOOLCHAIN=local GOPROXY=off E2E_RUN_ID=$RUN_ID
    export PATH=$(dirname "$GO"):$PATH
    export GOESCAPE_BIN E2E_EXPECT=$T/expect.json E2E_RESULT=$T/result.txt E2E_WORK=$T
    export E2E_ARTIFACTS=$ART E2E_WAIT_MS=${GOESCAPE_E2E_WAIT_MS:-60000}
    export E2E_TIMEOUT_MS=$(( (limit - 15) * 1000 ))
    cd "$T/module"
    # timeout puts the test in a process group of its own and signals all of it
    exec timeout -k 10 "$limit" "$@" </dev/null >"$T/output.log" 2>&1
  ) &
  pid=$!
  GROUPS_STARTED+=("$pid")
  wait "$pid"
  rc=$?
  end=$(date +%s.%N)
  left=$(leftovers)
  if [ -n "$left" ]; then
    echo "e2e: $name left processes running (killed):$left"
    kill_ours TERM; sleep 0.5; kill_ours KILL
  fi
  SECS[$name]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  [ -f "$T/result.txt" ] && cat "$T/result.txt"
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    echo "e2e: $name hit its ${limit}s limit"; tail -20 "$T/output.log"
  elif [ $rc != 0 ] && [ ! -s "$T/result.txt" ]; then
    tail -40 "$T/output.log"
  fi
  cp "$T/result.txt" "$ART/e2e-$name.txt" 2>/dev/null
  cp "$T/output.log" "$ART/e2e-$name.log" 2>/dev/null
  if [ $rc = 0 ]; then RESULT[$name]=PASS; else RESULT[$name]="FAIL (exit $rc)"; fi
}

for name in $TESTS; do
  case " $INSTALL_FAILED " in *" $name "*) RESULT[$name]="FAIL (not installed)"; SECS[$name]=0; continue ;; esac
  prepare "$name" || { RESULT[$name]="FAIL (expectations)"; SECS[$name]=0; continue; }
  case $name in
    nvim10) run_test nvim10 120 env E2E_PLUGIN="$repo/editors/nvim" \
              bash "$here/lib/in-tmux.sh" "$NVIM10" -u "$here/nvim/test.lua" ;;
    nvim10-gopls) run_test nvim10-gopls 180 env E2E_PLUGIN="$repo/editors/nvim" E2E_GOPLS="$GOPLS_NVIM" \
              bash "$here/lib/in-tmux.sh" "$NVIM10" -u "$here/nvim/gopls.lua" ;;
    nvim-unstable-gopls) # goescape on PATH, as for a user; lsp/goescape.lua finds it there
              mkdir -p "$T/bin" && ln -s "$GOESCAPE_BIN" "$T/bin/goescape"
              run_test nvim-unstable-gopls 180 env E2E_PLUGIN="$repo/editors/nvim" E2E_GOPLS="$GOPLS_NVIM" \
                PATH="$T/bin:$(dirname "$GO"):$PATH" bash "$here/lib/in-tmux.sh" "$NVIMU" -u "$here/nvim/enable.lua" ;;
    nvim10-install) run_test nvim10-install 300 env E2E_PLUGIN="$repo/editors/nvim" E2E_NVIM="$NVIM10" \
              bash "$here/nvim/install.sh" ;;
    nvim07) run_test nvim07 120 env E2E_PLUGIN="$repo/editors/nvim" \
              bash "$here/lib/in-tmux.sh" "$NVIM07" -u "$here/nvim/test.lua" ;;
    emacs30) run_test emacs30 120 env E2E_PLUGIN="$repo/editors/emacs" \
               bash "$here/lib/in-tmux.sh" "$EMACS30" -nw -q -l "$here/emacs/test.el" ;;
    emacs30-gopls) # goescape and gopls on PATH, as for a user; nothing names them to Emacs
             mkdir -p "$T/bin" && ln -s "$GOESCAPE_BIN" "$T/bin/goescape" && ln -s "$GOPLS" "$T/bin/gopls"
             run_test emacs30-gopls 180 env E2E_PLUGIN="$repo/editors/emacs" PATH="$T/bin:$(dirname "$GO"):$PATH" \
               bash "$here/lib/in-tmux.sh" "$EMACS30" -nw -q -l "$here/emacs/companion.el" ;;
    emacs28) run_test emacs28 120 env E2E_PLUGIN="$repo/editors/emacs" \
               "$EMACS28" --batch -q -l "$here/emacs/test.el" ;;
    emacs28-gopls) run_test emacs28-gopls 180 env E2E_PLUGIN="$repo/editors/emacs" E2E_GOPLS="$GOPLS" \
               "$EMACS28" --batch -q -l "$here/emacs/test.el" ;;
    vscode) run_test vscode 300 env GOESCAPE_VSIX="$GOESCAPE_VSIX" E2E_CS_ENV="$CACHE/code-server/env.sh" \
              E2E_VSCE="$repo/editors/vscode/node_modules/.bin/vsce" E2E_PROBE_WAIT_MS=200000 \
              bash "$here/vscode/test.sh" ;;
    vscode-noserver) run_test vscode-noserver 120 env GOESCAPE_VSIX="$GOESCAPE_VSIX" E2E_VSCODE_SERVER=none \
              E2E_CS_ENV="$CACHE/code-server/env.sh" E2E_VSCE="$repo/editors/vscode/node_modules/.bin/vsce" \
              bash "$here/vscode/test.sh" ;;
    vscode-bundled) run_test vscode-bundled 300 env GOESCAPE_VSIX="$VSIX_BUNDLED" E2E_VSCODE_SERVER=bundled \
              E2E_CS_ENV="$CACHE/code-server/env.sh" E2E_VSCE="$repo/editors/vscode/node_modules/.bin/vsce" \
              E2E_PROBE_WAIT_MS=200000 bash "$here/vscode/test.sh" ;;
  esac
done

# --- summary ----------------------------------------------------------------------------
echo
echo "e2e: module $(basename "$MODULE_SRC") with $("$GO" version | awk '{print $3}'), server $("$GOESCAPE_BIN" --version 2>&1 | head -1)"
pass=0 fail=0
for name in $TESTS; do
  printf 'e2e:   %-14s %-22s %6ss\n' "$name" "${RESULT[$name]}" "${SECS[$name]}"
  if [ "${RESULT[$name]}" = PASS ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "e2e: results and logs in $ART"
echo "e2e: $pass passed, $fail failed"
[ $fail = 0 ]
