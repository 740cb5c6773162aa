/**
 * What a trader can do when Binance has not answered since the start (offline, blocked, a proxy):
 * said once, with the first failure, beside the retries.
 */
export const UNREACHABLE_CHOICES = {
  cli: [
    'Binance cannot be reached from here. Tranche keeps trying; to trade without it now:',
    '  a recorded market:   npm run startTrading -- --paper --market=replay:DIR   (npm run seed-scenario -- --out DIR writes one)',
    "  the local exchange's market:   npm run fake-binance -- --port=9443, then add --binance-rest-url=http://127.0.0.1:9443 --binance-ws-url=ws://127.0.0.1:9443",
  ],
  app: "Binance cannot be reached from here; Tranche keeps trying. To trade without it now, stop and choose a replay of a recorded market (Market: replay folder), or the local exchange's market (npm run fake-binance, then a custom environment in Settings).",
};
