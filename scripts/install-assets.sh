#!/usr/bin/env bash
# Front-end libraries served by canlian itself (offline intranets: no CDN, nothing fetched at runtime).
#
# package.json + package-lock.json pin them (npm); this script installs them with `npm ci` when
# node_modules is missing or the lock changed, then copies the files the pages load into
# src/canlian/web/static/vendor/ (ignored by git, found by Django's static finders, collected by
# collectstatic for production). Idempotent: a second run with nothing changed copies nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOCK="package-lock.json"
STAMP="node_modules/.canlian-lock.sha1"
VENDOR="src/canlian/web/static/vendor"

lock_sum() { sha1sum "$LOCK" | cut -d' ' -f1; }

if [[ ! -f node_modules/echarts/dist/echarts.min.js || ! -f "$STAMP" || "$(cat "$STAMP")" != "$(lock_sum)" ]]; then
  if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "install-assets: npm is missing; installing Debian's nodejs and npm" >&2
    SUDO=(); [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null 2>&1 && SUDO=(sudo)
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm || true
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-assets: npm is needed to install the chart library (Node 20 or later: apt-get install nodejs npm)." >&2
    exit 1
  fi
  echo "install-assets: npm ci (package-lock.json)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  lock_sum >"$STAMP"
fi

# copy SOURCE DEST: only when the destination is missing or differs.
copy() {
  mkdir -p "$(dirname "$2")"
  if ! cmp -s "$1" "$2"; then
    cp "$1" "$2"
    echo "install-assets: ${2#"$ROOT"/}"
  fi
}

copy node_modules/echarts/dist/echarts.min.js "$VENDOR/echarts/echarts.min.js"
copy node_modules/echarts/LICENSE "$VENDOR/echarts/LICENSE"
copy node_modules/echarts/NOTICE "$VENDOR/echarts/NOTICE"
