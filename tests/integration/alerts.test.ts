import { afterEach, describe, expect, it } from 'vitest';
import { AlertDispatcher } from '../../electron/app/alerts/alert-dispatcher';
import { alertForEvent, type Alert } from '../../electron/app/alerts/alert-rules';
import { TelegramSink, WebhookSink } from '../../electron/app/alerts/alert-sinks';
import { BotApiServer } from '../helpers/bot-api';

/**
 * Alerts over real HTTP to a local stand-in for Telegram's Bot API (and a webhook): delivered in
 * order, paced, 429 retry_after honoured, a full queue dropping its oldest and saying so, pushing
 * never waiting on the network, a wrong token reported once without the token.
 */
const TOKEN = '123456789:AAHtestTokenNotRealxxxxxxxxxxxxxxxxx';
const CHAT = '4242';
let server: BotApiServer | undefined;
let dispatcher: AlertDispatcher | undefined;
afterEach(async () => {
  await dispatcher?.close(100);
  await server?.close();
  server = dispatcher = undefined;
});

const alert = (text: string, kind: Alert['kind'] = 'entry'): Alert => ({ kind, symbol: 'BTCUSDT', text, time: 0 });
async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('alerts', () => {
  it('Telegram and a webhook get every alert in order; a 429 is waited out (retry_after) and nothing is lost', async () => {
    server = await new BotApiServer(TOKEN, CHAT).start();
    server.limitNext = 1;
    server.retryAfter = 1;
    dispatcher = new AlertDispatcher(
      [
        new TelegramSink({ token: TOKEN, chatId: CHAT, apiBaseUrl: server.url }),
        new WebhookSink({ url: `${server.url}/hook` }),
      ],
      { retryBaseMs: 50 },
    );
    const t = Date.now();
    dispatcher.push(alert('one'));
    dispatcher.push(alert('two', 'exit'));
    // The stand-in records a request before it answers; the dispatcher counts it once the answer is in.
    await until(
      'both delivered twice',
      () =>
        server!.messages().length === 2 &&
        server!.webhooks().length === 2 &&
        dispatcher!.stats().every((s) => s.delivered === 2),
    );
    expect(server.messages()).toEqual(['one', 'two']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1000); // the 429's retry_after
    expect(server.webhooks().map((w) => [w.source, w.kind, w.symbol, w.text])).toEqual([
      ['tranche', 'entry', 'BTCUSDT', 'one'],
      ['tranche', 'exit', 'BTCUSDT', 'two'],
    ]);
    expect(dispatcher.stats().map((s) => [s.delivered, s.failed, s.dropped])).toEqual([
      [2, 0, 0],
      [2, 0, 0],
    ]);
  });

  it('pushing never waits on the network; a full queue drops its oldest and the next message says how many', async () => {
    server = await new BotApiServer(TOKEN, CHAT).start();
    server.hold = true;
    dispatcher = new AlertDispatcher(
      [new TelegramSink({ token: TOKEN, chatId: CHAT, apiBaseUrl: server.url, minIntervalMs: 20 })],
      { maxQueued: 10 },
    );
    const t = performance.now();
    for (let i = 0; i < 1000; i++) dispatcher.push(alert(`alert ${i}`));
    expect(performance.now() - t).toBeLessThan(200);
    // One in flight (held), ten queued: the other 989 dropped.
    expect(dispatcher.stats()[0]!.queued).toBe(10);
    server.release();
    await until('the queue drained', () => server!.messages().length === 11, 20_000);
    const texts = server.messages();
    expect(texts[0]).toBe('alert 0');
    expect(texts[1]).toBe('alert 990\n(989 earlier alert(s) dropped: too many at once)');
    expect(texts[10]).toBe('alert 999');
  }, 30_000);

  it('a wrong token: reported once, without the token; not retried', async () => {
    server = await new BotApiServer(TOKEN, CHAT).start();
    const wrong = '987654321:AAHwrongTokenNotRealyyyyyyyyyyyyyyyy';
    const problems: string[] = [];
    dispatcher = new AlertDispatcher([new TelegramSink({ token: wrong, chatId: CHAT, apiBaseUrl: server.url })], {
      onProblem: (sink, p) => problems.push(`${sink}: ${p}`),
      retryBaseMs: 10,
    });
    dispatcher.push(alert('a'));
    dispatcher.push(alert('b'));
    await until('both given up', () => dispatcher!.stats()[0]!.failed === 2);
    expect(problems).toEqual(['Telegram: Telegram answered 401: Unauthorized']);
    expect(problems.join()).not.toContain(wrong);
    expect(server.messages()).toEqual([]);
  });

  it('which events alert: entries, exits (an unprotected one named), errors, corrections; not signals or "agree"', () => {
    const kinds = [
      alertForEvent(
        {
          type: 'buy-filled',
          symbol: 'BTCUSDT',
          mode: 'live',
          quantity: '0.01',
          avgPrice: '40000',
          spent: '400',
          allocated: '400',
          percent: 10,
          partial: false,
          quoteAsset: 'USDT',
        },
        0,
      )?.kind,
      alertForEvent(
        {
          type: 'position-closed',
          symbol: 'BTCUSDT',
          reason: 'unprotectable',
          quantity: '0.01',
          exitPrice: '39000',
          pnl: '-10',
          pnlPercent: -2.5,
          quoteAsset: 'USDT',
        },
        0,
      )?.kind,
      alertForEvent({ type: 'error', symbol: 'BTCUSDT', message: 'x' }, 0)?.kind,
      alertForEvent({ type: 'reconciled', symbol: 'BTCUSDT', message: 'position #3 had no protective OCO' }, 0)?.kind,
      alertForEvent({ type: 'reconciled', message: 'ledger and exchange agree: nothing to reconcile' }, 0)?.kind,
      alertForEvent({ type: 'signal', symbol: 'BTCUSDT', value: 6, threshold: 5, side: 'buy' }, 0)?.kind,
    ];
    expect(kinds).toEqual(['entry', 'unprotected-exit', 'error', 'correction', undefined, undefined]);
  });
});
