import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, type EventListener, type RequestHandlers } from '../../electron/host/dispatcher';
import { HostError } from '../../electron/host/host-error';
import { REQUEST_CHANNELS, type EventChannel } from '../../shared/ipc/contract';
import { hostHarness, type HostHarness } from '../helpers/host';
import { tempDir } from '../helpers/temp';

/** The one dispatcher both transports use, in front of a real TradingHost (some handlers swapped for broken ones). */
describe('dispatcher', () => {
  let tmp: ReturnType<typeof tempDir>;
  let h: HostHarness;
  const logged: string[] = [];
  const dispatch = (overrides: Partial<RequestHandlers> = {}) =>
    createDispatcher({ handlers: { ...h.host.handlers(), ...overrides }, log: (m) => logged.push(m) });

  beforeAll(() => {
    tmp = tempDir();
    h = hostHarness(tmp.dir);
  });
  afterAll(async () => {
    await h.close();
    tmp.cleanup();
  });

  it('has a handler for every request channel of the contract', () => {
    expect(Object.keys(h.host.handlers()).sort()).toEqual([...REQUEST_CHANNELS].sort());
  });

  it('answers a good request with ok and the data', async () => {
    const r = await dispatch().request('engine.status', {});
    expect(r).toMatchObject({ ok: true, data: { state: 'stopped' } });
    // No input at all is the empty input for channels that take none.
    expect(await dispatch().request('positions.list', undefined)).toEqual({ ok: true, data: [] });
  });

  it('unknown-channel: a channel the contract does not have, or not a string', async () => {
    expect(await dispatch().request('engine.explode', {})).toEqual({
      ok: false,
      error: { code: 'unknown-channel', message: 'no such request channel: "engine.explode"' },
    });
    expect(await dispatch().request('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(await dispatch().request('toString', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(await dispatch().request(42 as unknown as string, {})).toMatchObject({
      ok: false,
      error: { code: 'unknown-channel' },
    });
  });

  it('invalid-input: names the field that is wrong', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['history.get', { limit: 0 }, /^history\.get: limit: /],
      ['history.get', { limit: 'ten' }, /limit: .*number/],
      ['engine.start', { mode: 'gold' }, /mode: /],
      ['engine.start', { mode: 'paper', extra: 1 }, /extra/],
      ['keys.set', { apiKey: 'abcdefghijk', apiSecret: 'abcdefghijk' }, /environment: /],
      ['keys.delete', { environment: 'Not Valid!' }, /environment: .*lower-case/],
      ['engine.emergencyStop', {}, /confirm: /],
      ['chart.get', { symbol: 'BTCUSDT', limit: 5 }, /limit: /],
      ['engine.status', 'not an object', /\(input\): /],
      ['settings.save', { dataDir: '/tmp' }, /dataDir/],
    ];
    for (const [channel, input, message] of cases) {
      const r = await dispatch().request(channel, input);
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      if (!r.ok) expect(r.error.message, channel).toMatch(message);
    }
  });

  it('failed: a handler error becomes a clean message, never a stack', async () => {
    const r = await dispatch().request('chart.get', { symbol: 'XRPUSDT' });
    expect(r).toEqual({
      ok: false,
      error: { code: 'failed', message: 'no parameter set and no market data for XRPUSDT' },
    });

    const thrower = dispatch({
      'positions.list': () => {
        const e = new Error('the ledger is unreadable');
        e.stack = `Error: the ledger is unreadable\n    at readLedger (/app/electron/host/x.ts:10:5)`;
        throw e;
      },
      'history.get': () => {
        throw new Error('line one\n    at Object.<anonymous> (/app/a.ts:1:1)\n    at next (/app/b.ts:2:2)');
      },
      'log.recent': () => {
        throw 42;
      },
      'symbols.list': () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'x')")),
    });
    const a = await thrower.request('positions.list', {});
    expect(a).toEqual({ ok: false, error: { code: 'failed', message: 'the ledger is unreadable' } });
    const b = await thrower.request('history.get', {});
    expect(b).toEqual({ ok: false, error: { code: 'failed', message: 'line one' } });
    expect(await thrower.request('log.recent', {})).toEqual({
      ok: false,
      error: { code: 'failed', message: 'unexpected error' },
    });
    const d = await thrower.request('symbols.list', {});
    expect(d).toMatchObject({ ok: false, error: { code: 'failed' } });
    for (const r of [a, b, d]) expect(JSON.stringify(r)).not.toMatch(/\.ts:\d|\n\s+at /);
  });

  it('failed: a secret that came with the request never comes back in the message', async () => {
    const secret = 'superSecretValue0123456789';
    const leaky = dispatch({
      'keys.set': (input) => {
        throw new Error(`keychain said no for ${input.apiKey} / ${input.apiSecret}`);
      },
    });
    const r = await leaky.request('keys.set', { environment: 'testnet', apiKey: 'someApiKey0123', apiSecret: secret });
    expect(r).toEqual({
      ok: false,
      error: { code: 'failed', message: 'keychain said no for [redacted] / [redacted]' },
    });
  });

  it('passes on the code of a HostError (confirmation-required)', async () => {
    const r = await dispatch({
      'engine.start': () => {
        throw new HostError('confirmation-required', 'confirm the account');
      },
    }).request('engine.start', { mode: 'live' });
    expect(r).toEqual({ ok: false, error: { code: 'confirmation-required', message: 'confirm the account' } });
  });

  it('invalid-output: an answer that breaks the contract is caught and logged', async () => {
    logged.length = 0;
    const broken = dispatch({
      'engine.status': () => ({ state: 'flying' }) as never,
      'allocations.get': () => ({ ...emptyAllocation(), totalBalance: 12.5 }) as never,
    });
    const r = await broken.request('engine.status', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-output' } });
    if (!r.ok) expect(r.error.message).toMatch(/state: /);
    const a = await broken.request('allocations.get', {});
    expect(a).toMatchObject({
      ok: false,
      error: { code: 'invalid-output', message: expect.stringMatching(/totalBalance/) },
    });
    expect(logged.join('\n')).toMatch(/engine\.status answered with data that breaks the contract/);
  });

  it('sends only what the contract names: extra fields of an answer are dropped', async () => {
    const r = await dispatch({
      'settings.get': () =>
        ({
          paperBalance: '1',
          feeRate: '0',
          slippageBps: 0,
          stopGraceSeconds: 10,
          dataDir: '/d',
          apiSecret: 'x',
        }) as never,
    }).request('settings.get', {});
    expect(r).toEqual({
      ok: true,
      data: { paperBalance: '1', feeRate: '0', slippageBps: 0, stopGraceSeconds: 10, dataDir: '/d' },
    });
  });

  it('validates events: a valid one is forwarded, a broken one is dropped and logged', () => {
    logged.length = 0;
    let emit: EventListener = () => undefined;
    const d = createDispatcher({
      handlers: h.host.handlers(),
      events: {
        onEvent: (l) => {
          emit = l;
          return () => undefined;
        },
      },
      log: (m) => logged.push(m),
    });
    const got: Array<[EventChannel, unknown]> = [];
    d.onEvent((c, data) => got.push([c, data]));
    emit('price', { symbol: 'BTCUSDT', price: '42000.5', time: '2024-01-15T00:04:59.999Z' });
    emit('price', { symbol: 'BTCUSDT', price: 42000.5, time: 'yesterday' });
    emit('bogus' as EventChannel, {});
    expect(got).toEqual([['price', { symbol: 'BTCUSDT', price: '42000.5', time: '2024-01-15T00:04:59.999Z' }]]);
    expect(logged.join('\n')).toMatch(/event price breaks the contract/);
    expect(logged.join('\n')).toMatch(/event bogus is not in the contract/);
    d.close();
    emit('price', { symbol: 'BTCUSDT', price: '1', time: '2024-01-15T00:04:59.999Z' });
    expect(got).toHaveLength(1);
  });
});

function emptyAllocation() {
  return {
    quoteAsset: 'USDT',
    totalBalance: '0',
    totalReserved: '0',
    availableBalance: '0',
    allocationPercentage: 0,
    reservations: [],
  };
}
