#!/usr/bin/env bash
# Fetches the pinned source releases of libuv, jansson and pcre2 (dist/sources.txt) through
# apt's configured Debian mirrors, as source packages, checks each tarball's SHA-256 and
# unpacks it into $CACHE/src/<name>. apt's state for the source lists stays in a private
# directory under $CACHE, so the machine's own apt setup is neither needed nor changed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${GOESCAPE_DIST_CACHE:-$HOME/.cache/goescape-dist}
APT="$CACHE/apt"
mkdir -p "$APT/parts" "$APT/lists/partial" "$APT/cache/archives/partial" "$CACHE/tarballs" "$CACHE/src"

have_all() {
    while read -r name _ orig sum; do
        [ -f "$CACHE/src/$name/.sha256" ] && [ "$(cat "$CACHE/src/$name/.sha256")" = "$sum" ] || return 1
    done < <(grep -v '^#' "$HERE/sources.txt")
}
have_all && exit 0

# deb-src twins of the configured deb sources (deb822 files and one-line lists alike).
rm -f "$APT/parts/"*
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types: *deb$/Types: deb-src/' "$f" > "$APT/parts/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && grep -E '^deb ' "$f" | sed 's/^deb /deb-src /' > "$APT/parts/$(basename "$f" .list).list" || true
done
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$APT/parts"
          -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
echo "== dist: updating the source package lists"
apt-get "${apt_opts[@]}" -qq update

while read -r name pkg orig sum; do
    [ -f "$CACHE/src/$name/.sha256" ] && [ "$(cat "$CACHE/src/$name/.sha256")" = "$sum" ] && continue
    tarball="$CACHE/tarballs/$orig"
    if ! echo "$sum  $tarball" | sha256sum -c --status 2>/dev/null; then
        uri=$(cd "$APT" && apt-get "${apt_opts[@]}" source --print-uris "$pkg" 2>/dev/null |
              awk -v f="$orig" '$2 == f { gsub("\047", "", $1); print $1 }')
        if [ -z "$uri" ]; then
            echo "dist: the Debian source package $pkg no longer offers $orig; update dist/sources.txt" >&2
            exit 1
        fi
        echo "== dist: fetching $orig"
        rm -f "$tarball"
        /usr/lib/apt/apt-helper download-file "$uri" "$tarball" "SHA256:$sum" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
    fi
    if ! echo "$sum  $tarball" | sha256sum -c --status; then
        echo "dist: $orig does not have the pinned SHA-256 $sum" >&2
        rm -f "$tarball"
        exit 1
    fi
    rm -rf "$CACHE/src/$name"
    mkdir -p "$CACHE/src/$name"
    tar -xf "$tarball" -C "$CACHE/src/$name" --strip-components=1
    echo "$sum" > "$CACHE/src/$name/.sha256"
done < <(grep -v '^#' "$HERE/sources.txt")
