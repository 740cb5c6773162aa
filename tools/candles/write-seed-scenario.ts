/**
 * npm run seed-scenario -- --out DIR
 * Writes the seed guide's scenario (see seed-scenario.ts) as Binance kline CSV files, ready for
 * `npm run startTrading -- --paper --parameterSets=config/live-params.json --market=replay:DIR`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seedScenarioCandles } from './seed-scenario';
import { writeKlineCsv } from './synthetic';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
if (!values.out) {
  process.stderr.write('usage: npm run seed-scenario -- --out DIR\n');
  process.exit(2);
}
const dir = path.resolve(values.out);
for (const f of writeKlineCsv(dir, seedScenarioCandles())) {
  process.stdout.write(`wrote ${f.path} (${f.candles} candles)\n`);
}
process.stdout.write(
  `\nReplay it:\n  npm run startTrading -- --paper --parameterSets=config/live-params.json --market=replay:${dir} --fresh\n`,
);
