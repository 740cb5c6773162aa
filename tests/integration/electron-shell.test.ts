import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNELS, REQUEST_CHANNELS } from '../../shared/ipc/contract';
import { EVENT_CHANNEL_NAMES, IPC_EVENT, IPC_REQUEST, REQUEST_CHANNEL_NAMES } from '../../shared/ipc/channels';
import type { FakeElectron } from '../helpers/fake-electron';
import { tempDir } from '../helpers/temp';

/**
 * The Electron shell (electron/main, electron/preload) against a stand-in for the Electron module:
 * the binary cannot run here. The dispatcher, the TradingHost and the preload behind it are real.
 */
const fake = vi.hoisted(() => ({ electron: undefined as unknown as FakeElectron }));
vi.mock('electron', async () => {
  const { createFakeElectron } = await import('../helpers/fake-electron');
  fake.electron = createFakeElectron();
  return fake.electron.module;
});

type Api = {
  request(channel: string, input?: unknown): Promise<unknown>;
  on(channel: string, l: (d: unknown) => void): () => void;
};

describe('the Electron shell', () => {
  let tmp: ReturnType<typeof tempDir>;
  let api: Api;
  const s = () => fake.electron.state;
  const win = () => s().windows[0]!;

  beforeAll(async () => {
    tmp = tempDir();
    process.env.TRANCHE_DATA_DIR = path.join(tmp.dir, 'data');
    await import('../../electron/main/index');
    fake.electron.ready();
    await vi.waitFor(() => expect(s().windows).toHaveLength(1));
    await import('../../electron/preload/index');
    api = s().exposed.get('tranche') as unknown as Api;
  });
  afterAll(() => {
    delete process.env.TRANCHE_DATA_DIR;
    tmp.cleanup();
  });

  it('keeps its channel lists equal to the contract', () => {
    expect([...REQUEST_CHANNEL_NAMES].sort()).toEqual([...REQUEST_CHANNELS].sort());
    expect([...EVENT_CHANNEL_NAMES].sort()).toEqual([...EVENT_CHANNELS].sort());
  });

  it('sandboxes every renderer and names the data folder Tranche', () => {
    expect(s().sandboxed).toBe(true);
    expect(s().name).toBe('Tranche');
    expect(s().paths.get('userData')).toBe(path.join('/nonexistent-appdata', 'Tranche'));
    expect(s().privileged).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
  });

  it('opens one window: isolated, sandboxed, no Node, web security on, our page from app://', () => {
    const prefs = win().options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
    expect(prefs.preload).toMatch(/preload[/\\]index\.cjs$/);
    expect(win().url).toBe('app://tranche/index.html');
  });

  it('exposes exactly request and on to the page', () => {
    expect(Object.keys(api).sort()).toEqual(['on', 'request']);
  });

  it('carries requests through the preload and IPC to the host, and events back', async () => {
    expect(await api.request('engine.status', {})).toMatchObject({ ok: true, data: { state: 'stopped', mode: null } });
    expect(await api.request('engine.explode', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(await api.request('history.get', { limit: -3 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    const lines: unknown[] = [];
    const off = api.on('log.line', (d) => lines.push(d));
    const { data } = (await api.request('params.get', {})) as { data: { sets: unknown[] } };
    expect(await api.request('params.save', { sets: data.sets })).toMatchObject({ ok: true, data: { saved: true } });
    expect(lines).toEqual([expect.objectContaining({ text: '💾 Parameter sets saved.' })]);
    expect(win().webContents.sent.at(-1)).toMatchObject({ channel: IPC_EVENT, message: { channel: 'log.line' } });
    off();
    await api.request('params.save', { sets: data.sets });
    expect(lines).toHaveLength(1);
    expect(() => api.on('bogus', () => undefined)).toThrow(/no such event channel/);
  });

  it('answers only our window’s main frame showing our page', async () => {
    const handler = s().ipcHandlers.get(IPC_REQUEST)!;
    const wc = win().webContents;
    const ok = await handler({ sender: wc, senderFrame: wc.mainFrame }, 'engine.status', {});
    expect(ok).toMatchObject({ ok: true });
    const subframe = await handler(
      { sender: wc, senderFrame: { url: 'app://tranche/index.html' } },
      'engine.status',
      {},
    );
    expect(subframe).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const other = await handler({ sender: { id: 99 }, senderFrame: wc.mainFrame }, 'engine.status', {});
    expect(other).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    wc.mainFrame.url = 'https://evil.example/';
    const foreign = await handler({ sender: wc, senderFrame: wc.mainFrame }, 'engine.status', {});
    expect(foreign).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    wc.mainFrame.url = 'app://tranche/index.html';
  });

  it('blocks navigation away, new windows and <webview>', () => {
    const wc = win().webContents;
    const attempt = (event: string, url?: string) => {
      const prevent = vi.fn();
      wc.emit(event, { preventDefault: prevent }, url);
      return prevent.mock.calls.length > 0;
    };
    expect(attempt('will-navigate', 'https://evil.example/')).toBe(true);
    expect(attempt('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(attempt('will-navigate', 'app://tranche/index.html#/positions')).toBe(false);
    expect(attempt('will-redirect', 'https://evil.example/')).toBe(true);
    expect(attempt('will-attach-webview')).toBe(true);
    expect(wc.windowOpenHandler!({ url: 'https://www.binance.com/' })).toEqual({ action: 'deny' });
  });

  it('denies every permission but notifications, and every request but our own page', () => {
    const ask = (permission: string) => {
      let answer: boolean | undefined;
      s().permissionRequest!({}, permission, (ok) => (answer = ok));
      return answer;
    };
    expect(ask('notifications')).toBe(true);
    for (const p of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'midi']) expect(ask(p)).toBe(false);
    expect(s().permissionCheck!({}, 'notifications')).toBe(true);
    expect(s().permissionCheck!({}, 'media')).toBe(false);
    const cancelled = (url: string) => {
      let cancel: boolean | undefined;
      s().beforeRequest!({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    expect(cancelled('app://tranche/assets/index.js')).toBe(false);
    expect(cancelled('https://api.binance.com/api/v3/time')).toBe(true);
    expect(cancelled('http://127.0.0.1:8080/')).toBe(true);
    expect(cancelled('file:///etc/passwd')).toBe(true);
  });

  it('puts the Content Security Policy on every response', () => {
    let headers: Record<string, string[]> | undefined;
    s().headersReceived!(
      { url: 'app://tranche/index.html', responseHeaders: { 'X-A': ['1'] } },
      (r) => (headers = r.responseHeaders),
    );
    expect(headers!['X-A']).toEqual(['1']);
    const csp = headers!['Content-Security-Policy']![0]!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
  });

  it('serves the built renderer on app://tranche with the CSP, and nothing outside it', async () => {
    const { serveRenderer } = await import('../../electron/main/renderer-source');
    const dir = path.join(tmp.dir, 'renderer');
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Tranche</title>');
    writeFileSync(path.join(dir, 'assets', 'a.js'), 'export {}');
    writeFileSync(path.join(tmp.dir, 'secret.txt'), 'secret');
    serveRenderer(dir);
    const serve = s().protocolHandlers.get('app')!;
    const index = await serve(new Request('app://tranche/index.html'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await serve(new Request('app://tranche/assets/a.js'))).headers.get('content-type')).toMatch(/javascript/);
    for (const p of ['%2e%2e/secret.txt', 'assets/..%2f..%2fsecret.txt', '..%5csecret.txt']) {
      const r = await serve(new Request(`app://tranche/${p}`));
      expect([403, 404], p).toContain(r.status);
      expect(await r.text(), p).not.toContain('secret');
    }
    expect((await serve(new Request('app://other/index.html'))).status).toBe(404);
  });

  it('closes the window without asking when nothing trades, and stops the host before quitting', async () => {
    expect(win().close()).toBe(true);
    await vi.waitFor(() => expect(s().quitCalls).toBeGreaterThanOrEqual(2));
    expect(s().ipcHandlers.has(IPC_REQUEST)).toBe(true);
  });
});
