#!/usr/bin/env bash
# Sets up a fresh machine and runs every check and test: type check, lint (with the layering
# rules), formatting, and the Vitest suite (unit, integration against real SQLite and local
# servers on 127.0.0.1, CLI end-to-end, the OS keychain in a throwaway gnome-keyring). This is what
# CI runs through .ci/run. Arguments go to vitest (e.g. bash tools/test.sh tests/secrets).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
echo "== type check"; npx tsc -p tsconfig.json
echo "== lint (import cycles included)"; npx eslint --max-warnings=0 .
echo "== unused files, exports and dependencies (knip)"; npx knip
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }
echo "== renderer type check"; npx vue-tsc --noEmit -p renderer/tsconfig.json
echo "== build (electron-vite: main, preload, renderer)"; npx electron-vite build >/dev/null
echo "== tests"
# CLI runs that name no data folder use a throwaway one, never the developer's own (its saved
# parameter sets and alerts: a test session must not alert the developer's Telegram).
TRANCHE_DATA_DIR=$(mktemp -d)
export TRANCHE_DATA_DIR
rm -f test-results/vitest.json test-results/playwright.json
# The keychain tests (tests/secrets) use a real Secret Service: the whole suite runs on a private
# session bus with a throwaway gnome-keyring, unlocked with a dummy password, whose files live in a
# temporary folder removed afterwards. The developer's own keychain is never touched.
# TRANCHE_REQUIRE_KEYCHAIN=1 tells those tests that a keychain must be there (they fail, not skip, without).
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  keyring_home=$(mktemp -d)
  trap 'rm -rf "$keyring_home" "$TRANCHE_DATA_DIR"' EXIT
  TRANCHE_KEYRING_HOME="$keyring_home" dbus-run-session -- sh -c '
    set -e
    export XDG_DATA_HOME="$TRANCHE_KEYRING_HOME/data" XDG_RUNTIME_DIR="$TRANCHE_KEYRING_HOME/run"
    mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    eval "$(printf %s tranche-test | gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL TRANCHE_REQUIRE_KEYCHAIN=1
    npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json "$@"
    # The end-to-end tests: the built renderer in Chromium through the headless host (skipped when
    # vitest was asked for particular files).
    if [ "$#" -eq 0 ]; then
      echo "== end-to-end (Playwright, Chromium)"
      PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/playwright.json npx playwright test --reporter=list,json
    fi' sh "$@"
else
  echo "(dbus-run-session or gnome-keyring-daemon is missing: the keychain tests will fail; run npm run setup as root)"
  TRANCHE_REQUIRE_KEYCHAIN=1 npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json "$@"
  if [ "$#" -eq 0 ]; then PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/playwright.json npx playwright test --reporter=list,json; fi
fi
node tools/test-summary.mjs
