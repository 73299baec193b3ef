#!/bin/bash
# :GoescapeInstall in Neovim 0.10 against release archives served over HTTP on 127.0.0.1.
# Run by tests/e2e/run.sh (cwd: a copy of examples/), which sets:
#   GOESCAPE_BIN E2E_PLUGIN E2E_WORK E2E_RESULT E2E_WAIT_MS E2E_NVIM
# The archive is packed here from GOESCAPE_BIN in the release layout
# (goescape-VERSION-TARGET/bin/goescape, LICENSE, SHA256SUMS inside; SHA256SUMS beside it).
# good/ publishes the right sum, bad/ the same archive with a wrong one, nosum/ none,
# tampered/ the right sum of an archive whose binary does not match its inner SHA256SUMS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
D=$E2E_WORK/install
name=goescape-0.0.0-test-linux-x64
mkdir -p "$D/stage/$name/bin" "$D/www/good" "$D/www/bad" "$D/www/nosum"
cp "$GOESCAPE_BIN" "$D/stage/$name/bin/goescape"
cp "$E2E_PLUGIN/../../LICENSE" "$D/stage/$name/" 2>/dev/null || echo "MIT" >"$D/stage/$name/LICENSE"
(cd "$D/stage/$name" && sha256sum bin/goescape LICENSE >SHA256SUMS)
tar -czf "$D/www/good/$name.tar.gz" -C "$D/stage" "$name"
cp "$D/www/good/$name.tar.gz" "$D/www/bad/"
cp "$D/www/good/$name.tar.gz" "$D/www/nosum/"
(cd "$D/www/good" && sha256sum "$name.tar.gz" >SHA256SUMS)
printf '%s  %s\n' "$(printf 'not the archive' | sha256sum | cut -d' ' -f1)" "$name.tar.gz" >"$D/www/bad/SHA256SUMS"
# tampered/: the published sum matches, but the binary is not the one the archive's own
# SHA256SUMS lists
mkdir -p "$D/tampered" "$D/www/tampered"
cp -r "$D/stage/$name" "$D/tampered/"
printf 'x' >>"$D/tampered/$name/bin/goescape"
tar -czf "$D/www/tampered/$name.tar.gz" -C "$D/tampered" "$name"
(cd "$D/www/tampered" && sha256sum "$name.tar.gz" >SHA256SUMS)

# no goescape on PATH: the plugin must use the one it installs
keep=""
IFS=:
for dir in $PATH; do
  [ -n "$dir" ] && [ ! -e "$dir/goescape" ] && keep=${keep:+$keep:}$dir
done
unset IFS
export PATH=$keep

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$D/www" "$port" >"$D/http.log" 2>&1 &
http_pid=$!
trap 'kill $http_pid 2>/dev/null; wait $http_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/good/SHA256SUMS" 2>/dev/null && break
  sleep 0.1
done

E2E_BASE_URL=http://127.0.0.1:$port E2E_ARCHIVE_NAME=$name.tar.gz E2E_LOCAL_ARCHIVE=$D/www/good/$name.tar.gz \
  E2E_ARCHIVE_SHA256=$(cut -d' ' -f1 "$D/www/good/SHA256SUMS") \
  "$E2E_NVIM" --headless -u "$here/install.lua" || rc=$?
exit "${rc:-0}"
