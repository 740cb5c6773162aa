import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsFile } from '../../electron/app/paths';
import { seedParameterSets } from '../../electron/app/seed-params';
import { SettingsStore } from '../../electron/store/settings-store';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { BotApiServer } from '../helpers/bot-api';
import { CliChild, liveLocalTradeArgs, runCliAsync } from '../helpers/cli';
import { FakeMarket5m } from '../helpers/fake-market';
import { tempDir } from '../helpers/temp';

/**
 * An unattended live session (startTrading, on the local exchange) sends its alerts to a local
 * stand-in for Telegram's Bot API and to a webhook: an entry, an error (the first OCO answered 503:
 * its outcome unknown) and an exit (the take-profit). No secret (API key, API secret, bot token) is
 * in any message; the token only in the Bot API's path, as Telegram wants it.
 */
const KEY = 'alertsTestKey0000000000000000000000000000000000000000000000000001';
const SECRET = 'alertsTestSecret0000000000000000000000000000000000000000000000001';
const TOKEN = '123456789:AAHalertsTestTokenNotRealxxxxxxxxxxx';
const CHAT = '-1001234567890';
const START: Record<string, number> = { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 };

describe('alerts from a live session', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeBinance;
  let bot: BotApiServer;
  let market: FakeMarket5m;

  beforeAll(async () => {
    tmp = tempDir();
    fake = await startFakeBinance({
      symbols: Object.keys(START),
      accounts: [{ apiKey: KEY, apiSecret: SECRET, balances: { USDT: '1000' } }],
    });
    market = new FakeMarket5m(fake, START);
    bot = await new BotApiServer(TOKEN, CHAT).start();
  });
  afterAll(async () => {
    await fake?.close();
    await bot?.close();
    tmp.cleanup();
  });

  it('entry, error and exit reach Telegram and the webhook, with no secret in them', async () => {
    const c = CliChild.start(
      [
        ...liveLocalTradeArgs(fake, path.join(tmp.dir, 'live-local.sqlite')),
        `--telegram-chat=${CHAT}`,
        `--telegram-api-url=${bot.url}`,
        `--alert-webhook=${bot.url}/hook`,
      ],
      { BINANCE_API_KEY: KEY, BINANCE_API_SECRET: SECRET, TRANCHE_TELEGRAM_TOKEN: TOKEN },
    );
    try {
      await c.waitFor(/Alerts to Telegram and webhook http:\/\/127\.0\.0\.1:\d+/);
      await c.waitFor(/Binance user data stream connected/);
      await c.waitFor(/Market data connected/);
      await fake.waitForSubscriber('btcusdt@kline_5m');
      fake.faults.failNext({ method: 'POST', path: '/api/v3/orderList/oco' }, 1, { status: 503 });
      market.jump('BTCUSDT', 0.02);
      await c.waitFor(/OCO placed: BTCUSDT/, 30_000);
      fake.pushTrade('BTCUSDT', +(market.prices.BTCUSDT! * 1.02 * 1.16).toFixed(2));
      await c.waitFor(/TAKE PROFIT: BTCUSDT/, 15_000);
      const end = Date.now() + 10_000;
      while (bot.messages().length < 3 || bot.webhooks().length < 3) {
        if (Date.now() > end) throw new Error(`alerts: ${JSON.stringify(bot.messages())}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const texts = bot.messages();
      expect(texts.find((t) => /LIVE BUY: BTCUSDT/.test(t))).toBeDefined();
      expect(texts.find((t) => /^❌ BTCUSDT: the OCO's outcome is unknown/.test(t))).toBeDefined();
      expect(texts.find((t) => /TAKE PROFIT: BTCUSDT/.test(t))).toBeDefined();
      expect(bot.webhooks().map((w) => w.kind)).toEqual(expect.arrayContaining(['entry', 'error', 'exit']));
      for (const r of bot.requests) {
        for (const secret of [KEY, SECRET, TOKEN]) expect(r.raw).not.toContain(secret);
      }
      expect(
        bot.requests.filter((r) => r.path.endsWith('/sendMessage')).every((r) => r.path === `/bot${TOKEN}/sendMessage`),
      ).toBe(true);
      expect(c.out + c.err).not.toContain(TOKEN);
    } finally {
      c.proc.kill('SIGINT');
      await c.exited;
    }
    // The run is over; its error is in the ledger's journal for `tranche log`.
    const log = await runCliAsync(['log', `--db=${path.join(tmp.dir, 'live-local.sqlite')}`, '--level=error']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/ error +BTCUSDT +the OCO's outcome is unknown/);
    expect(log.stdout).not.toMatch(/ fill /);
  }, 90_000);

  it('without alert options, the alerts the desktop app saved in the data folder are used', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const settings = SettingsStore.open(settingsFile(dataDir), seedParameterSets());
    settings.saveAlertSettings({ telegramChatId: CHAT, telegramApiUrl: bot.url, webhookUrl: `${bot.url}/saved-hook` });
    settings.close();
    const before = bot.requests.length;
    const c = CliChild.start(
      [...liveLocalTradeArgs(fake, path.join(tmp.dir, 'live-local-2.sqlite')), `--data-dir=${dataDir}`],
      // The token as a headless server gives it (the desktop app keeps it in the keychain).
      { BINANCE_API_KEY: KEY, BINANCE_API_SECRET: SECRET, TRANCHE_TELEGRAM_TOKEN: TOKEN },
    );
    try {
      await c.waitFor(/Alerts to Telegram and webhook http:\/\/127\.0\.0\.1:\d+/);
      await c.waitFor(/Market data connected/);
      await fake.waitForSubscriber('ethusdt@kline_5m');
      market.jump('ETHUSDT', 0.03, 1);
      await c.waitFor(/OCO placed: ETHUSDT/, 30_000);
      const end = Date.now() + 10_000;
      const mine = () => bot.requests.slice(before);
      while (!mine().some((r) => r.path === '/saved-hook') || !mine().some((r) => /LIVE BUY: ETHUSDT/.test(r.raw))) {
        if (Date.now() > end) throw new Error(`alerts: ${JSON.stringify(mine().map((r) => r.path))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      c.proc.kill('SIGINT');
      await c.exited;
    }
    // --skip-saved-alerts: the same data folder, no alerts.
    const quiet = CliChild.start(
      [
        ...liveLocalTradeArgs(fake, path.join(tmp.dir, 'live-local-3.sqlite')),
        `--data-dir=${dataDir}`,
        '--skip-saved-alerts',
      ],
      { BINANCE_API_KEY: KEY, BINANCE_API_SECRET: SECRET, TRANCHE_TELEGRAM_TOKEN: TOKEN },
    );
    try {
      await quiet.waitFor(/Market data connected/);
      expect(quiet.out).not.toMatch(/Alerts to /);
    } finally {
      quiet.proc.kill('SIGINT');
      await quiet.exited;
    }
  }, 90_000);
});
