#!/usr/bin/env bash
# npm start: sets up a fresh machine, builds the app, and opens the desktop workspace in paper mode:
# the Electron window where the Electron binary and a display are present, otherwise the same
# workspace served to the browser on 127.0.0.1 (its address printed, and opened where a browser
# exists). Extra arguments go to `serve` (for example --port=8123 or --data-dir=DIR).
# The command-line paper trader is `npm run startTrading -- --paper ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
# Built once, and again whenever a source file is newer than the build.
if [[ ! -f out/renderer/index.html || -n "$(find electron renderer shared -newer out/renderer/index.html -type f -print -quit)" ]]; then
  echo "Building the app (npm run build)..."
  npm run --silent build >/dev/null
fi
# The Electron binary, where npm install could download it (node_modules/electron/path.txt names it;
# requiring the package would try the download again).
electron_bin=""
if [[ -f node_modules/electron/path.txt ]]; then
  electron_bin="node_modules/electron/dist/$(cat node_modules/electron/path.txt)"
fi
if [[ -n "$electron_bin" && -x "$electron_bin" ]]; then
  if [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" || "$(uname)" != Linux ]]; then
    echo "Opening the Tranche window (Electron)."
    exec "$electron_bin" .
  fi
  echo "No display for the Electron window: serving the workspace to the browser instead."
else
  echo "No Electron binary here (npm install downloads it where the network allows): serving the workspace to the browser instead."
fi
exec node --import tsx electron/cli/main.ts serve --open "$@"
