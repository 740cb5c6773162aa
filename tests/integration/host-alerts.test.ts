import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineStateDto } from '../../shared/ipc/contract';
import { startFakeBinance, type FakeBinance } from '../../tools/fake-binance/server';
import { BotApiServer } from '../helpers/bot-api';
import { hostHarness, type HostHarness } from '../helpers/host';
import { tempDir } from '../helpers/temp';

/**
 * Alerts configured in Settings, through the host's dispatcher (as the renderer sends them): the
 * bot token stored in the OS keychain and never given back, every setting checked before anything
 * is saved, a test message delivered to Telegram (a local stand-in for the Bot API) and a webhook,
 * and a session on live prices started with them on.
 */
const TOKEN = '123456789:AAHtestTokenNotRealxxxxxxxxxxxxxxxxx';

describe('TradingHost: alerts in Settings', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeBinance;
  let bot: BotApiServer;
  let h: HostHarness;
  beforeEach(async () => {
    tmp = tempDir();
    fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'] });
    for (const [s, p] of Object.entries({ BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 })) fake.setPrice(s, p);
    bot = await new BotApiServer(TOKEN, '4242').start();
    h = hostHarness(tmp.dir, { market: { restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl } });
  });
  afterEach(async () => {
    await h.close();
    await bot.close();
    await fake.close();
    tmp.cleanup();
  });

  it('stores the token write-only, refuses bad settings whole, sends a test, and a session starts with alerts on', async () => {
    expect(await h.ok('alerts.get')).toEqual({
      telegramChatId: null,
      telegramApiUrl: null,
      webhookUrl: null,
      tokenStored: false,
      tokenSource: null,
    });
    // A chat without a token, a chat that is no chat id, a webhook that is no URL: named, nothing saved.
    const noToken = await h.request('alerts.save', { telegramChatId: '4242' });
    expect(noToken).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/a Telegram chat needs the bot's token/) },
    });
    const badChat = await h.request('alerts.save', { telegramChatId: 'my chat', token: TOKEN });
    expect(badChat).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/Telegram chat my chat is not a chat id/) },
    });
    const badHook = await h.request('alerts.save', { webhookUrl: 'ftp://x' });
    expect(badHook).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/the webhook address must be an http/) },
    });
    expect(await h.ok('alerts.get')).toMatchObject({ telegramChatId: null, webhookUrl: null, tokenStored: false });

    const saved = await h.ok('alerts.save', {
      telegramChatId: '4242',
      telegramApiUrl: bot.url,
      webhookUrl: `${bot.url}/hook`,
      token: TOKEN,
    });
    expect(saved).toEqual({
      telegramChatId: '4242',
      telegramApiUrl: bot.url,
      webhookUrl: `${bot.url}/hook`,
      tokenStored: true,
      tokenSource: 'keychain',
    });
    expect(JSON.stringify(saved)).not.toContain(TOKEN);

    const results = await h.ok<Array<{ sink: string; ok: boolean }>>('alerts.test');
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(bot.messages()).toEqual([expect.stringMatching(/^Tranche: a test alert from Settings/)]);
    expect(bot.webhooks()).toHaveLength(1);
    expect(
      bot.requests
        .filter((r) => r.path === '/hook')
        .map((r) => r.raw)
        .join(),
    ).not.toContain(TOKEN);

    await h.ok<EngineStateDto>('engine.start', { mode: 'paper' });
    await h.waitFor('log.line', (l) => /🔔 Alerts on: Telegram, webhook/.test(l.text), 10_000);
    expect(
      h
        .seen('log.line')
        .map((l) => l.text)
        .join('\n'),
    ).not.toContain(TOKEN);
    await h.ok('engine.stop');

    // Forgotten: the chat stays, the token is gone, so the chat cannot be kept either.
    const forget = await h.request('alerts.save', { forgetToken: true });
    expect(forget).toMatchObject({ ok: false, error: { message: expect.stringMatching(/needs the bot's token/) } });
    const off = await h.ok('alerts.save', { forgetToken: true, telegramChatId: null, telegramApiUrl: null });
    expect(off).toMatchObject({ telegramChatId: null, webhookUrl: `${bot.url}/hook`, tokenStored: false });
  }, 30_000);
});
