import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionLog } from '../../electron/app/session-log';
import { TradingSession } from '../../electron/app/trading-session';
import { Decimal } from '../../electron/core/money/decimal';
import { startFakeBinance } from '../../tools/fake-binance/server';
import { BTC_SET } from '../helpers/live-suite';
import { sets } from '../helpers/paper-harness';
import { tempDir } from '../helpers/temp';

/**
 * The data folder's log file: a session on live prices writes every engine event there (JSON lines
 * with level and time, through pino), the file rolls over at its size keeping the newest few
 * (pino-roll), and secrets are redacted by path. Replays write none.
 */
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the log file', () => {
  it('a paper session on live prices logs its events in logs/ of the data folder', async () => {
    const tmp = tempDir();
    const fake = await startFakeBinance({ symbols: ['BTCUSDT'] });
    try {
      fake.setPrice('BTCUSDT', 40000);
      const session = TradingSession.open({
        sets: sets([BTC_SET]),
        quoteAsset: 'USDT',
        market: { kind: 'binance', restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl },
        dbFile: path.join(tmp.dir, 'paper.sqlite'),
        venue: { kind: 'paper', balance: new Decimal(1000), feeRate: new Decimal('0.001'), slippageBps: 5 },
        onEvent: () => undefined,
      });
      await session.start(new AbortController().signal);
      await session.close();
      const current = path.join(tmp.dir, 'logs', 'current.log');
      expect(path.basename(realpathSync(current))).toBe('tranche.1.log');
      const logged = lines(current);
      expect(logged.map((l) => (l.event as { type: string } | undefined)?.type)).toContain('balance');
      const reconciled = logged.find((l) => l.reconciliation === true);
      expect(reconciled).toMatchObject({ level: 30, msg: 'ledger and exchange agree: nothing to reconcile' });
      expect(typeof reconciled?.time).toBe('string');
    } finally {
      await fake.close();
      tmp.cleanup();
    }
  });

  it('rolls over at its size, keeps the newest files, and redacts secrets by path', async () => {
    const tmp = tempDir();
    try {
      const dir = path.join(tmp.dir, 'logs');
      const log = SessionLog.open({ dir, size: '2k', keep: 2 });
      log.line('warn', 'a key was tried', { apiKey: 'AKEY-not-real', nested: { apiSecret: 'SECRET-not-real' } });
      // As a session writes: a line now and then (pino-roll rolls over once a write has drained).
      for (let i = 0; i < 200; i++) {
        log.line('info', `line ${i} ${'x'.repeat(40)}`);
        await new Promise((r) => setTimeout(r, 1));
      }
      await log.close();
      const files = readdirSync(dir).filter((f) => /^tranche\.\d+\.log$/.test(f));
      expect(files.length).toBe(3); // the one in use and the two newest before it
      const numbers = files.map((f) => Number(f.split('.')[1])).sort((a, b) => a - b);
      expect(numbers[0]).toBeGreaterThan(1); // the first ones were removed
      const text = files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('');
      expect(text).toContain('line 199');
      const all = readdirSync(dir)
        .map((f) => readFileSync(path.join(dir, f), 'utf8'))
        .join('');
      expect(all).not.toContain('AKEY-not-real');
      expect(all).not.toContain('SECRET-not-real');
    } finally {
      tmp.cleanup();
    }
  });

  it('redacted: what a logged object names as a key, secret or token', async () => {
    const tmp = tempDir();
    try {
      const dir = path.join(tmp.dir, 'logs');
      const log = SessionLog.open({ dir });
      log.line('warn', 'tried', { apiKey: 'AKEY-not-real', alert: { token: '123:TOKEN' } });
      await log.close();
      const [entry] = lines(path.join(dir, 'current.log'));
      expect(entry).toMatchObject({ level: 40, msg: 'tried', apiKey: '[redacted]', alert: { token: '[redacted]' } });
    } finally {
      tmp.cleanup();
    }
  });

  it('a replay writes no log file', () => {
    const tmp = tempDir();
    try {
      expect(() =>
        TradingSession.open({
          sets: sets([BTC_SET]),
          quoteAsset: 'USDT',
          market: { kind: 'replay', dir: path.join(tmp.dir, 'none') },
          dbFile: path.join(tmp.dir, 'replay.sqlite'),
          venue: { kind: 'paper', balance: new Decimal(1000), feeRate: new Decimal('0.001'), slippageBps: 5 },
          onEvent: () => undefined,
          offline: true,
        }).close(),
      ).not.toThrow();
      expect(existsSync(path.join(tmp.dir, 'logs'))).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });
});
