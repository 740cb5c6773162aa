import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatFigures } from './figures';
import { runChaos } from './run-chaos';
import { ROOT } from './trader-process';

/**
 * npm run chaos -- --symbols=10 --minutes=10000 --seed=N [--out FILE]
 *
 * The long chaos run (docs/chaos.md): prints progress, then the figures; saves them as JSON; exits 1
 * on any violation.
 */

const USAGE = `Usage: npm run chaos -- [options]
  --symbols=N       symbols on the local exchange, each with a parameter set (default 3)
  --minutes=N       market minutes to run, one step each (default 200)
  --seed=N          seed of everything random: market, faults, kills (default 1)
  --kill-rate=X     chance per step of a SIGKILL of the trader (default 0.03)
  --fault-rate=X    chance per step of arming a fault (default 0.6)
  --work-dir=DIR    keep the ledger and the trader's logs here (default: a temporary folder,
                    removed when there is no violation)
  --out=FILE        where the figures are saved as JSON (default test-results/chaos-seed-N.json)
  -h, --help        this text
Exit code 1 when any check was violated.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      symbols: { type: 'string', default: '3' },
      minutes: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      'kill-rate': { type: 'string', default: '0.03' },
      'fault-rate': { type: 'string', default: '0.6' },
      'work-dir': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const symbols = Number(values.symbols);
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  const killRate = Number(values['kill-rate']);
  const faultRate = Number(values['fault-rate']);
  if (!Number.isInteger(symbols) || symbols < 1 || symbols > 50)
    throw new Error('--symbols must be a whole number 1..50');
  if (!Number.isInteger(minutes) || minutes < 1) throw new Error('--minutes must be a whole number >= 1');
  if (!Number.isInteger(seed)) throw new Error('--seed must be a whole number');
  if (!(killRate >= 0 && killRate <= 1) || !(faultRate >= 0 && faultRate <= 1))
    throw new Error('--kill-rate and --fault-rate are chances in [0, 1]');
  const workDir = values['work-dir'] ? path.resolve(values['work-dir']) : undefined;
  if (workDir) mkdirSync(workDir, { recursive: true });
  const figures = await runChaos({
    symbols,
    minutes,
    seed,
    killRate,
    faultRate,
    workDir,
    finalSettleMs: 70_000,
    onProgress: (line) => console.log(line),
  });
  const out = path.resolve(values.out ?? path.join(ROOT, 'test-results', `chaos-seed-${seed}.json`));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(formatFigures(figures));
  console.log(`figures saved to ${out}`);
  return figures.violationCount === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(`chaos: ${err instanceof Error ? err.message : String(err)}`);
    console.error(USAGE);
    process.exitCode = 2;
  },
);
