#!/usr/bin/env bash
# Installs what Tranche needs on a fresh Debian machine with Node 20 and npm: the npm dependencies
# (better-sqlite3 builds from source; no prebuilt binary is downloaded) and, when a later part of the
# product needs them, Debian packages. Safe to run again: it skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node_major=20
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt "$need_node_major" ]; then
  echo "Tranche needs Node.js $need_node_major or newer (found $(node --version))." >&2
  exit 1
fi

# Debian packages, listed here so every install step lives in one place:
#   libsecret-1-dev  keytar (API keys in the OS keychain) compiles against it during npm ci
#   gnome-keyring    a Secret Service: the tests run a throwaway one (tools/test.sh); desktops have one
#   dbus             dbus-run-session, the private session bus those tests start it on
DEBIAN_PACKAGES=(libsecret-1-dev gnome-keyring dbus chromium fonts-noto-color-emoji)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "Please install these Debian packages first: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm dependencies, reinstalled only when package-lock.json changed since the last install.
stamp=node_modules/.tranche-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing npm dependencies (better-sqlite3 compiles from source: about a minute)..."
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
node -e "require('better-sqlite3')(':memory:').close()" || {
  echo "better-sqlite3 did not build: install python3, make and g++ and run this again." >&2
  exit 1
}
node -e "require('keytar')" || {
  echo "keytar (the OS keychain module) did not build: install libsecret-1-dev and run this again." >&2
  exit 1
}
