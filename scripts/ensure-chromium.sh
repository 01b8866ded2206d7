#!/usr/bin/env bash
# Make sure Debian's Chromium is installed at /usr/bin/chromium for the browser tests.
#
# Playwright's own browser download is not used: the browser tests launch the
# system Chromium (executable_path=/usr/bin/chromium). Called by `make chromium`.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

chromium_ok() {
    [[ -x "$CHROMIUM" ]] && "$CHROMIUM" --headless --no-sandbox --version >/dev/null 2>&1
}

if chromium_ok; then
    exit 0
fi

echo "ensure-chromium: $CHROMIUM is missing or does not run; installing Debian's 'chromium' package" >&2

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: ERROR: apt-get not found; install Chromium yourself so that $CHROMIUM works" >&2
    exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "ensure-chromium: ERROR: not root and sudo is not available; run as root:" >&2
        echo "  apt-get update && apt-get install -y chromium" >&2
        exit 1
    fi
fi

if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq; then
    echo "ensure-chromium: ERROR: 'apt-get update' failed" >&2
    exit 1
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; then
    echo "ensure-chromium: ERROR: 'apt-get install chromium' failed" >&2
    exit 1
fi

if ! chromium_ok; then
    echo "ensure-chromium: ERROR: chromium was installed but '$CHROMIUM --version' still fails" >&2
    exit 1
fi

echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null)" >&2
