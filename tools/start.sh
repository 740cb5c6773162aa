#!/usr/bin/env bash
# Sets up a fresh machine and starts paper trading on live Binance market data with the saved
# parameter sets (the data folder's; a new one starts with config/live-params.json). Extra arguments
# are passed on (for example --market=replay:DIR, --balance=5000 or --parameterSets=FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec node --import tsx electron/cli/main.ts trade --paper "$@"
