#!/usr/bin/env bash
# Sets up a fresh machine and starts paper trading on live Binance market data with the seed's
# parameter sets. Extra arguments are passed on (for example --market=replay:DIR or --balance=5000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec node --import tsx electron/cli/main.ts trade --paper --parameterSets=config/live-params.json "$@"
