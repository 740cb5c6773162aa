#!/usr/bin/env bash
# Sets up a fresh machine and runs every check and test: type check, lint (with the layering
# rules), formatting, and the Vitest suite (unit, integration against real SQLite and local
# servers on 127.0.0.1, CLI end-to-end). This is what CI runs through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
echo "== type check"; npx tsc -p tsconfig.json
echo "== lint"; npx eslint --max-warnings=0 .
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }
echo "== tests"; npx vitest run "$@"
