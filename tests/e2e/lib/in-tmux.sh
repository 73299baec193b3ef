#!/bin/bash
# Runs an editor with its terminal UI in a detached tmux pane of 160x100 cells on a private
# tmux server, so it draws the screen as it does for a user and the test inside it can read
# the screen back (E2E_TMUX="SOCKET TARGET" for tmux capture-pane). Run by tests/e2e/run.sh,
# which sets E2E_WORK and the rest of the test's environment. Exits with the editor's status.
# usage: in-tmux.sh PROGRAM [ARG...]
set -u
sock=$E2E_WORK/tmux.sock
rc=$E2E_WORK/editor.rc
rm -f "$rc"
export E2E_TMUX="$sock e2e:0.0"
stop() { tmux -S "$sock" kill-server 2>/dev/null; }
trap stop EXIT
cmd=$(printf '%q ' "$@")
# The tmux server takes this environment; the pane's command writes the editor's status.
tmux -S "$sock" -f /dev/null new-session -d -s e2e -x 160 -y 100 \
  "$cmd; echo \$? >$(printf '%q' "$rc")" || exit 1
while [ ! -s "$rc" ]; do
  if ! tmux -S "$sock" has-session -t e2e 2>/dev/null; then
    sleep 0.2
    [ -s "$rc" ] && break
    echo "in-tmux.sh: the editor's pane is gone" >&2
    exit 1
  fi
  sleep 0.2
done
exit "$(cat "$rc")"
