import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { startWsHost, type WsHost } from '../../electron/host/ws-host';
import type { WireMessage } from '../../shared/ipc/contract';
import { hostHarness, type HostHarness } from '../helpers/host';
import { tempDir } from '../helpers/temp';
import { client, connect, until } from '../helpers/ws-page';

/**
 * Hostile input to the headless host over its WebSocket, with a valid token: each gets a named
 * error, the host stays up, and engine.status keeps answering. Every case here once took the host
 * down, blocked it for seconds, made it buffer without bound, or answered far more than it was sent.
 */
describe('the host under hostile input', () => {
  let tmp: ReturnType<typeof tempDir>;
  let h: HostHarness;
  let host: WsHost;
  let ws: WebSocket;
  let page: ReturnType<typeof client>;

  beforeAll(async () => {
    tmp = tempDir();
    const renderer = path.join(tmp.dir, 'renderer');
    mkdirSync(renderer, { recursive: true });
    writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Tranche</title>');
    h = hostHarness(path.join(tmp.dir, 'data'));
    host = await startWsHost({ dispatcher: h.dispatcher, rendererDir: renderer, port: 0 });
    ws = (await connect(host)).ws!;
    page = client(ws);
  });
  afterAll(async () => {
    ws?.close();
    await host.close();
    await h.close();
    tmp.cleanup();
  });

  const failure = (m: WireMessage) => {
    if (m.type !== 'response' || m.result.ok) throw new Error(`expected an error answer, got ${JSON.stringify(m)}`);
    return m.result.error;
  };
  /** engine.status answered, and how long it took. */
  async function statusMs(): Promise<number> {
    const t = performance.now();
    const m = await page.request('engine.status');
    expect(m.type === 'response' && m.result.ok).toBe(true);
    return performance.now() - t;
  }
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const set = (i: number, extra: Record<string, unknown> = {}) => ({
    symbol: `S${String(i).padStart(4, '0')}USDT`,
    allocationPercent: 0.5,
    zScoreThreshold: 5,
    profitPercent: 2,
    stopLossPercent: 2,
    ...extra,
  });

  it('a parameter file nested 4,500 deep (9 KB) is refused with a named problem', async () => {
    const json = `{"parameterSets":${nested(4500)}}`;
    expect(json.length).toBeLessThan(10_000);
    const m = await page.request('params.import', { json });
    expect(m.type === 'response' && m.result.ok && m.result.data).toEqual({
      sets: [],
      problems: [{ path: '(root)', message: 'the file nests arrays or objects more than 32 deep: not accepted' }],
    });
    // The same nesting as the request itself: refused before it is parsed.
    const raw = await page.raw(
      `{"type":"request","id":7,"channel":"params.validate","input":{"sets":${nested(4500)}}}`,
      0,
    );
    expect(failure(raw)).toEqual({
      code: 'malformed',
      message: 'the request nests arrays or objects more than 32 deep: not accepted',
    });
    expect(await statusMs()).toBeLessThan(500);
  });

  it('40,000 sets to validate are refused at once, and engine.status answers meanwhile', async () => {
    const sets = Array.from({ length: 40_000 }, (_, i) => set(i));
    // Over the WebSocket the message alone (about 4 MB) is over the limit: a named error, unread.
    const text = JSON.stringify({ type: 'request', id: 40, channel: 'params.validate', input: { sets } });
    const [answer, took] = await Promise.all([page.raw(text, 0), statusMs()]);
    expect(failure(answer)).toEqual({
      code: 'too-large',
      message: `a request of ${text.length} bytes is over the limit of 1048576 bytes: not read`,
    });
    expect(took).toBeLessThan(500);
    // Through the dispatcher (as Electron's IPC delivers it): refused by its size, at once.
    const t = performance.now();
    const direct = await h.request('params.validate', { sets });
    expect(direct.ok ? direct : direct.error).toEqual({
      code: 'invalid-input',
      message: 'params.validate: the input holds more than 200000 values: not accepted',
    });
    const fewer = await h.request('params.validate', { sets: sets.slice(0, 20_000) });
    expect(fewer.ok ? fewer : fewer.error).toEqual({
      code: 'invalid-input',
      message: 'params.validate: sets: at most 100 parameter sets (one per symbol)',
    });
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('a request of almost 1 MB gets an answer of a few KB, not an echo', async () => {
    // 100 sets, each with thousands of unknown fields of long names: every one a problem to report.
    const keys = Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`x${'y'.repeat(80)}${k}`, 1]));
    const sets = Array.from({ length: 100 }, (_, i) => set(i, keys));
    const text = JSON.stringify({ type: 'request', id: 99, channel: 'params.validate', input: { sets } });
    expect(text.length).toBeGreaterThan(850_000);
    const before = page.bytesReceived();
    const m = await page.raw(text, 99);
    expect(m.type === 'response' && m.result.ok && (m.result.data as { ok: boolean }).ok).toBe(false);
    const problems = (m as { result: { data: { problems: unknown[] } } }).result.data.problems;
    expect(problems).toHaveLength(51); // 50 and "and N more"
    expect(page.bytesReceived() - before).toBeLessThan(20_000);
  });

  it('absurd numbers are refused by name, and the allocation sum stays a number', async () => {
    const m = await page.request('params.validate', {
      sets: [
        set(1, { profitPercent: 1e308 }),
        set(2, { stopLossPercent: 1e-300 }),
        set(3, { allocationPercent: 1.8e302 }),
      ],
    });
    if (m.type !== 'response' || !m.result.ok) throw new Error(JSON.stringify(m));
    const data = m.result.data as { ok: boolean; problems: { path: string; message: string }[]; allocationSum: number };
    expect(data.ok).toBe(false);
    expect(data.problems).toEqual([
      { path: 'parameterSets[0].profitPercent', message: 'profitPercent must be at most 1000' },
      { path: 'parameterSets[1].stopLossPercent', message: 'stopLossPercent must be at least 0.01' },
      { path: 'parameterSets[2].allocationPercent', message: 'allocationPercent must be at most 100' },
    ]);
    expect(data.allocationSum).toBe(1);
    const paper = await page.request('settings.save', { paperBalance: '1e300'.replace('e300', '0'.repeat(300)) });
    expect(failure(paper).message).toBe('paperBalance must be from 1 to 1000000000 (quote asset)');
  });

  it('a message over 1 MiB gets a named error and the socket stays open', async () => {
    const big = JSON.stringify({
      type: 'request',
      id: 5,
      channel: 'params.import',
      input: { json: 'x'.repeat(1_200_000) },
    });
    const m = await page.raw(big, 0);
    expect(failure(m)).toEqual({
      code: 'too-large',
      message: `a request of ${big.length} bytes is over the limit of 1048576 bytes: not read`,
    });
    expect(await statusMs()).toBeLessThan(500);
  });

  it('a page that stops reading is disconnected before the host buffers without bound', async () => {
    const { ws: lazy } = await connect(host);
    const raw = lazy!;
    // A page that sends but never reads: its socket is paused, the host's answers pile up.
    (raw as unknown as { _socket: { pause(): void } })._socket.pause();
    const json = JSON.stringify({ parameterSets: Array.from({ length: 100 }, (_, i) => set(i)) });
    const rss = process.memoryUsage().rss;
    let closed = false;
    raw.on('close', () => (closed = true));
    for (let i = 0; i < 3000 && !closed; i++) {
      raw.send(JSON.stringify({ type: 'request', id: i + 1, channel: 'params.import', input: { json } }));
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await until('the lazy page to be disconnected', () => host.clients() === 1, 20_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
    expect(await statusMs()).toBeLessThan(500);
  });
});
