import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { EnvSecretStore } from '../../electron/adapters/secrets/env-secret-store';
import { KeytarSecretStore } from '../../electron/adapters/secrets/keytar-secret-store';
import { createDispatcher } from '../../electron/host/dispatcher';
import { TradingHost } from '../../electron/host/trading-host';
import { startWsHost, type WsHost } from '../../electron/host/ws-host';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { BotApiServer } from '../helpers/bot-api';
import { FakeMarket5m } from '../helpers/fake-market';

/**
 * The built renderer (out/renderer) in Chromium, through the headless host's loopback WebSocket,
 * with a real engine: paper trading on the local Binance-compatible exchange's market data, and
 * live trading against it with a key stored in the real OS keychain (a throwaway gnome-keyring
 * under npm test). Screenshots of every screen go to test-results/screenshots/.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'test-results/screenshots');
const KEY = 'e2eTestApiKey0000000000000000000000000000000000000000000000WXYZ';
const SECRET = 'e2eTestApiSecret00000000000000000000000000000000000000000000SECR';
const BOT_TOKEN = '987654321:AAe2eBotTokenNotRealxxxxxxxxxxxxxxxx';
const START: Record<string, number> = { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 };

let fake: FakeBinance;
let host: TradingHost;
let ws: WsHost;
let dataDir: string;
let market: FakeMarket5m;
let bot: BotApiServer;
const service = `Tranche-e2e-${process.pid}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'out/renderer/index.html')))
    throw new Error('out/renderer is missing: run npm run build first');
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'tranche-e2e-'));
  fake = await startFakeBinance({
    symbols: Object.keys(START),
    accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
  });
  market = new FakeMarket5m(fake, START);
  bot = await new BotApiServer(BOT_TOKEN, '4242').start();
  host = new TradingHost({
    dataDir,
    keychain: new KeytarSecretStore({ service }),
    env: new EnvSecretStore({}),
    market: { restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl },
    environments: { local: { restBaseUrl: fake.restUrl, streamBaseUrl: fake.wsUrl, wsApiBaseUrl: fake.wsUrl } },
  });
  ws = await startWsHost({
    dispatcher: createDispatcher({ handlers: host.handlers(), events: host }),
    rendererDir: path.join(ROOT, 'out/renderer'),
  });
});

test.afterAll(async () => {
  await ws?.close();
  await host?.close();
  await fake?.close();
  await bot?.close();
  const store = new KeytarSecretStore({ service });
  for (const env of await store.environments().catch(() => [])) await store.delete(env);
  await store.deleteSecret('alerts-telegram-token').catch(() => false);
  rmSync(dataDir, { recursive: true, force: true });
});

// Each jump in a window of its own, ahead of now: no test's candles reach a later session's warm-up.
const jump = (symbol: string, move: number) => market.jumpAhead(symbol, move);

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function open(page: Page, route = '') {
  await page.goto(ws.url.replace('#token=', `#${route ? `/${route}` : ''}?token=`).replace('#?', '#/?'));
  await expect(page.getByTestId('connection-status')).toContainText('Connected to host');
}

test('parameter sets: a sum above 100% shows the error and blocks saving; fixed, it saves; a reload shows the saved sets', async ({
  page,
}) => {
  await open(page, 'params');
  await page.getByTestId('nav-params').click();
  const field = page.getByTestId('params-field-0-allocationPercent');
  await field.fill('60');
  await expect(page.getByTestId('params-sum')).toHaveAttribute('data-over', 'true');
  await expect(page.getByTestId('params-save')).toBeDisabled();
  await expect(page.getByTestId('params-error')).toContainText(/above 100%/);
  await shot(page, 'params-over-100');
  await field.fill('30');
  await expect(page.getByTestId('params-save')).toBeEnabled();
  await page.getByTestId('params-save').click();
  await expect(page.getByTestId('params-dirty')).toHaveCount(0);
  await page.reload();
  await page.getByTestId('nav-params').click();
  await expect(page.getByTestId('params-field-0-allocationPercent')).toHaveValue('30');
  await shot(page, 'params-saved');
  // At 1280x800 no field label is cut off (they were "ALLOCATIO..." and "TAKE PROFI...").
  await page.setViewportSize({ width: 1280, height: 800 });
  const cut = await page
    .locator('.set-fields .field-label')
    .evaluateAll((labels) => labels.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent));
  expect(cut).toEqual([]);
  await shot(page, 'params-1280x800');
  await page.setViewportSize({ width: 1440, height: 900 });
  // Back to the seed's 33.3 for the trading tests.
  await page.getByTestId('params-field-0-allocationPercent').fill('33.3');
  await page.getByTestId('params-save').click();
  await expect(page.getByTestId('params-dirty')).toHaveCount(0);
});

test('paper: reservations and positions appear as signals fire; a take-profit shows in history', async ({ page }) => {
  await open(page);
  await page.getByTestId('nav-trading').click();
  await page.getByTestId('start-paper').click();
  await expect(page.getByTestId('engine-state')).toContainText(/running/i, { timeout: 20_000 });
  await fake.waitForSubscriber('bnbusdt@kline_5m');
  await shot(page, 'trading-paper-running');
  jump('BTCUSDT', 0.02);
  jump('ETHUSDT', 0.02);
  jump('BNBUSDT', 0.02);
  await page.getByTestId('nav-allocations').click();
  for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'])
    await expect(page.getByTestId(`reservation-${s}`)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('allocation-reserved')).toContainText('999.00');
  await shot(page, 'allocations');
  await page.getByTestId('nav-positions').click();
  for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']) await expect(page.getByTestId(`position-${s}`)).toBeVisible();
  await page.waitForTimeout(500); // let the chart draw
  await shot(page, 'positions');
  // A toast for each entry, and a line of the activity feed.
  for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'])
    await expect(page.getByTestId('toast').filter({ hasText: `Paper buy: ${s}` })).toHaveCount(1);
  fake.pushTrade('BTCUSDT', +(market.prices.BTCUSDT! * 1.16).toFixed(2));
  await expect(page.getByTestId('toast').filter({ hasText: 'Take profit: BTCUSDT' })).toHaveCount(1, {
    timeout: 15_000,
  });
  // Another ETHUSDT signal while it holds a position: the signals panel says why it did not trade.
  jump('ETHUSDT', 0.06);
  await page.getByTestId('nav-trading').click();
  for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'])
    await expect(page.getByTestId(`signal-value-${s}`)).toHaveText(/^-?\d+\.\d\d$/, { timeout: 10_000 });
  await expect(page.getByTestId('signal-refusal-ETHUSDT')).toContainText('skipped: position open', { timeout: 10_000 });
  await expect(page.getByTestId('signal-decision-BNBUSDT')).toContainText(/entered|below threshold|buy signal/);
  await expect(page.getByTestId('mode-badge')).toHaveText('PAPER · binance · paper.sqlite · 2 positions');
  await page.getByTestId('signals-panel').scrollIntoViewIfNeeded();
  await shot(page, 'trading-signals');
  const feed = page.getByTestId('feed-line');
  await expect(feed.filter({ hasText: 'Take profit: BTCUSDT' })).toHaveCount(1);
  for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'])
    await expect(feed.filter({ hasText: `Paper buy: ${s}` })).toHaveCount(1);
  await shot(page, 'trading-activity');
  await page.getByTestId('nav-history').click();
  await expect(page.getByTestId('history-reason-0')).toContainText(/take.profit/i, { timeout: 15_000 });
  await shot(page, 'history');
  await page.getByTestId('nav-log').click();
  await expect(page.getByTestId('log-line').first()).toBeVisible();
  await shot(page, 'log');
});

test('emergency stop: every position sold, every reservation cleared', async ({ page }) => {
  await open(page);
  // The native modal: focus on Cancel (Enter never confirms by accident), Escape cancels.
  await page.getByTestId('emergency-stop').click();
  await expect(page.getByTestId('confirm-no')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
  await expect(page.getByTestId('emergency-stop')).toBeFocused();
  await page.getByTestId('emergency-stop').click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  // The positions it will sell are listed (the take-profit closed BTCUSDT).
  await expect(page.getByTestId('emergency-positions')).toContainText('ETHUSDT');
  await expect(page.getByTestId('emergency-positions')).toContainText('BNBUSDT');
  await expect(page.getByTestId('emergency-positions')).not.toContainText('BTCUSDT');
  await shot(page, 'emergency-confirm');
  await page.getByTestId('confirm-yes').click();
  await page.getByTestId('nav-positions').click();
  await expect(page.getByTestId('position-ETHUSDT')).toHaveCount(0, { timeout: 15_000 });
  await expect(page.getByTestId('position-BNBUSDT')).toHaveCount(0);
  await page.getByTestId('nav-allocations').click();
  await expect(page.getByTestId('allocation-reserved')).toContainText('0.00');
  await shot(page, 'after-emergency-stop');
});

/** The form row of a symbol's set (the rows follow the saved order). */
async function rowOf(page: Page, symbol: string): Promise<number> {
  for (let row = 0; row < 10; row++) {
    if ((await page.getByTestId(`params-field-${row}-symbol`).inputValue()) === symbol) return row;
  }
  throw new Error(`no parameter set row for ${symbol}`);
}

test('while paper runs: an edited allocation is what the next entry reserves; a disabled set never enters', async ({
  page,
}) => {
  await open(page);
  await page.getByTestId('nav-trading').click();
  // The emergency stop left the engine stopped or halted: a fresh paper session.
  if (await page.getByTestId('stop').isEnabled()) await page.getByTestId('stop').click();
  await expect(page.getByTestId('engine-state')).toContainText(/stopped/i, { timeout: 15_000 });
  await page.getByTestId('start-paper').click();
  await expect(page.getByTestId('engine-state')).toContainText(/running/i, { timeout: 20_000 });
  await fake.waitForSubscriber('ethusdt@kline_5m');

  await page.getByTestId('nav-params').click();
  await expect(page.getByTestId('params-running-note')).toContainText('apply to new entries only');
  const btc = await rowOf(page, 'BTCUSDT');
  const eth = await rowOf(page, 'ETHUSDT');
  await page.getByTestId(`params-field-${btc}-allocationPercent`).fill('10');
  await page.getByTestId(`params-field-${eth}-enabled`).uncheck();
  await shot(page, 'params-edit-while-running');
  await page.getByTestId('params-save').click();
  await expect(page.getByTestId('params-dirty')).toHaveCount(0);
  // The save says what the running session does with it.
  await expect(page.getByTestId('toast').filter({ hasText: /new entries/i })).toHaveCount(1);

  jump('BTCUSDT', 0.04);
  jump('ETHUSDT', 0.04);
  jump('BNBUSDT', 0.04);
  await page.getByTestId('nav-allocations').click();
  const btcRow = page.getByTestId('reservation-row-BTCUSDT');
  await expect(btcRow).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('reservation-row-BNBUSDT')).toBeVisible({ timeout: 15_000 });
  // 10% of the balance, not the 33.3% the session started with.
  await expect(btcRow.locator('td').nth(2)).toHaveText(/^10(\.0+)?\s?%$/);
  const balance = Number((await page.getByTestId('allocation-balance').innerText()).replace(/[^\d.]/g, ''));
  const reserved = Number((await btcRow.locator('td').nth(3).innerText()).replace(/[^\d.]/g, ''));
  expect(reserved).toBeGreaterThan(0);
  expect(Math.abs(reserved - balance * 0.1)).toBeLessThan(0.02);
  await expect(page.getByTestId('reservation-row-ETHUSDT')).toHaveCount(0);
  await shot(page, 'allocations-after-edit');
  await page.getByTestId('nav-trading').click();
  await expect(page.getByTestId('signal-decision-ETHUSDT')).toContainText('skipped: set disabled', { timeout: 10_000 });
  await page.getByTestId('signals-panel').scrollIntoViewIfNeeded();
  await shot(page, 'trading-set-disabled');
  // Another signal of the disabled set: still nothing.
  jump('ETHUSDT', 0.06);
  await expect(page.getByTestId('signal-decision-ETHUSDT')).toContainText('skipped: set disabled', { timeout: 10_000 });
  await page.getByTestId('nav-positions').click();
  await expect(page.getByTestId('position-BTCUSDT')).toBeVisible();
  await expect(page.getByTestId('position-ETHUSDT')).toHaveCount(0);

  // Per set, from the signals panel, behind a confirmation: pause BNBUSDT, resume ETHUSDT.
  await page.getByTestId('nav-trading').click();
  await page.getByTestId('signal-pause-BNBUSDT').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('No new entries in BNBUSDT');
  await shot(page, 'signal-pause-confirm');
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('signal-BNBUSDT')).toContainText('paused', { timeout: 10_000 });
  await expect(page.getByTestId('signal-resume-BNBUSDT')).toBeVisible();
  await page.getByTestId('signal-resume-ETHUSDT').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('ETHUSDT enters again at its next signal');
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('signal-pause-ETHUSDT')).toBeVisible({ timeout: 10_000 });
  // Resumed: its next signal enters.
  jump('ETHUSDT', 0.2); // its window holds this test's 4% and 6%: z about 12, above its 6
  await page.getByTestId('nav-allocations').click();
  await expect(page.getByTestId('reservation-row-ETHUSDT')).toBeVisible({ timeout: 15_000 });
  // Both are in the journal (the Log view starts with it; the running session's lines follow).
  await page.getByTestId('nav-log').click();
  await expect(page.getByTestId('log-line').filter({ hasText: 'no new entries in BNBUSDT' }).first()).toBeVisible();

  // The seed's sets again for the live test; this session ends.
  await page.getByTestId('nav-trading').click();
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('engine-state')).toContainText(/stopped/i, { timeout: 15_000 });
  await page.getByTestId('nav-params').click();
  await page.getByTestId(`params-field-${btc}-allocationPercent`).fill('33.3');
  await page.getByTestId(`params-field-${eth}-enabled`).check();
  await page.getByTestId(`params-field-${await rowOf(page, 'BNBUSDT')}-enabled`).check();
  await page.getByTestId('params-save').click();
  await expect(page.getByTestId('params-dirty')).toHaveCount(0);
});

test('API key stored in the real keychain, never shown in the page', async ({ page }) => {
  await open(page);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('key-env-local').click();
  // The right key with a wrong secret: Binance (the local exchange) refuses its signature: not stored.
  await page.getByTestId('key-api').fill(KEY);
  await page.getByTestId('key-secret').fill(`${SECRET.slice(0, -4)}XXXX`);
  await page
    .getByTestId('key-allow-withdrawals')
    .check()
    .catch(() => undefined);
  await page.getByTestId('key-save').click();
  await expect(page.getByTestId('key-refused')).toContainText('-1022');
  await expect(page.getByTestId('key-store-anyway')).toBeVisible();
  await expect(page.getByTestId('key-status-local')).toHaveAttribute('data-configured', 'false');
  await shot(page, 'settings-key-refused');
  expect(await new KeytarSecretStore({ service }).get('local')).toBeUndefined();
  await page.getByTestId('key-secret').fill(SECRET);
  await page
    .getByTestId('key-allow-withdrawals')
    .check()
    .catch(() => undefined);
  await page.getByTestId('key-save').click();
  await expect(page.getByTestId('key-status-local')).toHaveAttribute('data-configured', 'true');
  await expect(page.getByTestId('key-status-local')).toContainText('WXYZ');
  await expect(page.getByTestId('key-refused')).toHaveCount(0);
  await page.getByTestId('key-test-local').click();
  await expect(page.getByTestId('key-test-result-local')).toContainText('the key works');
  await expect(page.getByTestId('key-test-result-local')).toContainText('Account: SPOT');
  await shot(page, 'settings-key-stored');
  const html = await page.content();
  expect(html).not.toContain(SECRET);
  expect(html).not.toContain(KEY);
  await page.reload();
  await page.getByTestId('nav-settings').click();
  expect(await page.content()).not.toContain(SECRET);
  expect(await new KeytarSecretStore({ service }).get('local')).toEqual({ apiKey: KEY, apiSecret: SECRET });
});

test('alerts: the bot token write-only in the keychain, a bad setting named, a test alert delivered to Telegram and the webhook', async ({
  page,
}) => {
  await open(page);
  await page.getByTestId('nav-settings').click();
  const panel = page.getByTestId('alerts-panel');
  await expect(panel.getByTestId('alerts-token-status')).toContainText('none stored');
  // A chat without a token: named, nothing saved.
  await panel.getByTestId('alerts-chat-id').fill('4242');
  await panel.getByTestId('alerts-save').click();
  await expect(panel.getByTestId('alerts-error')).toContainText("a Telegram chat needs the bot's token");
  await shot(page, 'settings-alerts-refused');
  await panel.getByTestId('alerts-token').fill(BOT_TOKEN);
  await panel.getByTestId('alerts-api-url').fill(bot.url);
  await panel.getByTestId('alerts-webhook').fill(`${bot.url}/hook`);
  await panel.getByTestId('alerts-save').click();
  await expect(panel.getByTestId('alerts-token-status')).toContainText('stored in the keychain');
  await expect(panel.getByTestId('alerts-error')).toHaveCount(0);
  await expect(panel.getByTestId('alerts-token')).toHaveValue('');
  expect(await new KeytarSecretStore({ service }).getSecret('alerts-telegram-token')).toBe(BOT_TOKEN);
  await panel.getByTestId('alerts-test').click();
  await expect(panel.getByTestId('alerts-test-result-0')).toContainText('Telegram: delivered');
  await expect(panel.getByTestId('alerts-test-result-1')).toContainText('delivered');
  expect(bot.messages()).toEqual([expect.stringMatching(/^Tranche: a test alert from Settings/)]);
  expect(bot.webhooks()).toHaveLength(1);
  await panel.scrollIntoViewIfNeeded();
  await shot(page, 'settings-alerts');
  // The token never reaches the page, even after a reload.
  expect(await page.content()).not.toContain(BOT_TOKEN);
  await page.reload();
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('alerts-chat-id')).toHaveValue('4242');
  expect(await page.content()).not.toContain(BOT_TOKEN);
});

test('live against the local exchange: the confirmation names the account and the amount; a signal makes a LIVE position', async ({
  page,
}) => {
  await open(page);
  await page.getByTestId('nav-trading').click();
  // The emergency stop left the engine stopped or halted: stop it if it still runs.
  if (await page.getByTestId('stop').isEnabled()) await page.getByTestId('stop').click();
  await expect(page.getByTestId('engine-state')).toContainText(/stopped/i, { timeout: 15_000 });
  await page.getByTestId('live-env').selectOption('local');
  await page.getByTestId('start-live').click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await expect(page.getByTestId('confirm-account')).toContainText('WXYZ');
  await expect(page.getByTestId('confirm-at-stake')).toContainText('999');
  await shot(page, 'live-confirm');
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('engine-state')).toContainText(/running/i, { timeout: 20_000 });
  // The header names mode, environment and ledger.
  await expect(page.getByTestId('mode-badge')).toContainText(/^LIVE · local · live-local\.sqlite · \d+ positions?$/);
  await fake.waitForUserStream(KEY);
  await fake.waitForSubscriber('btcusdt@kline_5m');
  await fake.waitForSubscriber('bnbusdt@kline_5m');
  jump('BTCUSDT', 0.03);
  jump('ETHUSDT', 0.03);
  jump('BNBUSDT', 0.03);
  await page.getByTestId('nav-positions').click();
  for (const s of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']) {
    await expect(page.getByTestId(`position-${s}`)).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId(`position-oco-${s}`)).toContainText('open', { timeout: 15_000 });
  }
  await shot(page, 'live-position');
  // At 900x700 the take-profit, stop-loss and OCO columns stay in view, without scrolling.
  await page.setViewportSize({ width: 900, height: 700 });
  for (const col of ['positions-col-tp', 'positions-col-sl', 'positions-col-oco']) {
    const box = await page.getByTestId(col).boundingBox();
    expect(box, col).not.toBeNull();
    expect(box!.x + box!.width, col).toBeLessThanOrEqual(900);
  }
  await shot(page, 'positions-900x700');
  await page.setViewportSize({ width: 1440, height: 900 });
  expect(fake.orders(KEY).some((o) => o.side === 'BUY' && o.symbol === 'BTCUSDT')).toBe(true);
  const resting = (symbol: string) =>
    fake
      .orders(KEY)
      .filter((o) => o.symbol === symbol && o.status === 'NEW')
      .map((o) => o.type)
      .sort();

  // Close one position of three from the UI: the other two stay protected.
  await page.getByTestId('position-close-ETHUSDT').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('Close ETHUSDT at market');
  await shot(page, 'position-close-confirm');
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('position-ETHUSDT')).toHaveCount(0, { timeout: 15_000 });
  expect(resting('ETHUSDT')).toEqual([]);
  expect(resting('BTCUSDT')).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
  expect(resting('BNBUSDT')).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
  await expect(page.getByTestId('position-oco-BTCUSDT')).toContainText('open');
  await expect(page.getByTestId('position-oco-BNBUSDT')).toContainText('open');

  // Move BTCUSDT's stop-loss up: the OCO on the local exchange is replaced at exactly that price.
  const last = fake.market.lastPrice('BTCUSDT')!;
  const newStop = String(Math.floor(last * 0.99));
  await page.getByTestId('position-move-BTCUSDT').click();
  await page.getByTestId('move-stop-loss').fill(newStop);
  await shot(page, 'position-move-stop');
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0, { timeout: 15_000 });
  await expect(page.getByTestId(`position-BTCUSDT`)).toContainText(newStop, { timeout: 15_000 });
  // The chart's stop-loss line follows the move (it followed only OCO state changes before).
  await page.getByTestId('position-BTCUSDT').click();
  await expect(page.getByRole('img', { name: /BTCUSDT price and z-score chart/ })).toHaveAttribute(
    'aria-label',
    new RegExp(`stop-loss ${newStop}(\\.0+)?$`),
    { timeout: 15_000 },
  );
  const stop = fake
    .orders(KEY)
    .find((o) => o.symbol === 'BTCUSDT' && o.status === 'NEW' && o.type === 'STOP_LOSS_LIMIT');
  expect(Number(stop?.stopPrice)).toBe(Number(newStop));
  expect(resting('BNBUSDT')).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
  // A move the market has passed is refused in the dialog, nothing cancelled.
  await page.getByTestId('position-move-BTCUSDT').click();
  await page.getByTestId('move-stop-loss').fill(String(Math.ceil(last * 1.01)));
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('position-action-error')).toContainText('must be below the last price');
  await shot(page, 'position-move-refused');
  await page.getByTestId('confirm-no').click();
  expect(resting('BTCUSDT')).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
  await shot(page, 'positions-after-controls');
  await page.getByTestId('nav-trading').click();
  await shot(page, 'trading-live-running');
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('engine-state')).toContainText(/stopped/i, { timeout: 15_000 });
});
