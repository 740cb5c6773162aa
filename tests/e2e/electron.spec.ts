/// <reference lib="dom" />
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { seedScenarioCandles } from '../../tools/candles/seed-scenario';
import { writeKlineCsv } from '../../tools/candles/synthetic';

/**
 * The desktop app end to end: the packaged-to-be main process (out/main from npm run build) in the
 * real Electron binary, paper trading a replay of the seed scenario from its window.
 *
 *   npm run build && npx playwright test tests/e2e/electron.spec.ts
 *
 * The Electron binary cannot be downloaded on the build machines: there this test skips itself and
 * says why. The same screens are tested in Chromium through the loopback WebSocket host.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'out/main/index.js');

/**
 * Where the Electron binary is, found the way the electron package finds it (path.txt, or
 * ELECTRON_OVERRIDE_DIST_PATH), but without its fallback of downloading it when it is missing.
 */
function electronBinary(): { path: string } | { missing: string } {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? path.join(override, name ?? 'electron')
    : name
      ? path.join(pkgDir, 'dist', name)
      : undefined;
  if (candidate && existsSync(candidate)) return { path: candidate };
  return { missing: `the Electron binary is not installed (${candidate ?? `no ${pathFile}`})` };
}

const binary = electronBinary();
const skipReason =
  'missing' in binary
    ? `${binary.missing}. Run this test where Electron can be downloaded (npm install electron), after npm run build.`
    : !existsSync(MAIN)
      ? `${MAIN} is missing: run npm run build first.`
      : undefined;
if (skipReason) process.stdout.write(`[skipped] tests/e2e/electron.spec.ts: ${skipReason}\n`);

test.describe('Tranche desktop app', () => {
  test.skip(skipReason !== undefined, skipReason ?? '');

  let app: ElectronApplication;
  let dataDir: string;
  let klines: string;

  test.beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tranche-e2e-'));
    klines = path.join(dataDir, 'klines');
    writeKlineCsv(klines, seedScenarioCandles());
    app = await electron.launch({
      executablePath: 'path' in binary ? binary.path : undefined,
      args: [MAIN],
      env: { ...process.env, TRANCHE_DATA_DIR: path.join(dataDir, 'data') },
    });
  });

  test.afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('starts paper trading a replay and shows the trades', async () => {
    const page = await app.firstWindow();
    await expect(page).toHaveTitle(/Tranche/);
    // The page has window.tranche (the preload) and nothing of Node.
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((window as unknown as { tranche: object }).tranche).sort())).toEqual([
      'on',
      'request',
    ]);

    const started = await page.evaluate(
      (market) =>
        (
          window as unknown as { tranche: { request(c: string, i: unknown): Promise<{ ok: boolean }> } }
        ).tranche.request('engine.start', { mode: 'paper', market }),
      `replay:${klines}`,
    );
    expect(started.ok).toBe(true);

    await expect(page.getByText('PAPER BUY: BTCUSDT', { exact: false }).first()).toBeVisible({ timeout: 30_000 });
    const history = await page.evaluate(() =>
      (
        window as unknown as {
          tranche: { request(c: string, i: unknown): Promise<{ ok: boolean; data: { totals: { trades: number } } }> };
        }
      ).tranche.request('history.get', {}),
    );
    expect(history.ok && history.data.totals.trades).toBe(3);
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'electron-paper-replay.png') });
  });
});
