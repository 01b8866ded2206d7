#!/usr/bin/env bash
# Make sure Debian's Chromium is installed at /usr/bin/chromium for the browser tests, with a CJK
# font (Debian's fonts-noto-cjk) so that screenshots show Chinese instead of boxes.
#
# Playwright's own browser download is not used: the browser tests launch the
# system Chromium (executable_path=/usr/bin/chromium). Called by `make chromium`.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

chromium_ok() {
    [[ -x "$CHROMIUM" ]] && "$CHROMIUM" --headless --no-sandbox --version >/dev/null 2>&1
}

cjk_font_ok() {
    command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ]]
}

missing=()
chromium_ok || missing+=(chromium)
cjk_font_ok || missing+=(fonts-noto-cjk fontconfig)
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "ensure-chromium: installing Debian's ${missing[*]}" >&2

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: ERROR: apt-get not found; install ${missing[*]} yourself" >&2
    exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "ensure-chromium: ERROR: not root and sudo is not available; run as root:" >&2
        echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq; then
    echo "ensure-chromium: ERROR: 'apt-get update' failed" >&2
    exit 1
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    echo "ensure-chromium: ERROR: 'apt-get install ${missing[*]}' failed" >&2
    exit 1
fi

if ! chromium_ok; then
    echo "ensure-chromium: ERROR: chromium was installed but '$CHROMIUM --version' still fails" >&2
    exit 1
fi
if ! cjk_font_ok; then
    echo "ensure-chromium: ERROR: fonts-noto-cjk was installed but fontconfig lists no Chinese font" >&2
    exit 1
fi

echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null); CJK font: $(fc-list :lang=zh family | head -n 1)" >&2
