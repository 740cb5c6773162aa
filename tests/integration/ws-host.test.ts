import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsHost, type WsHost } from '../../electron/host/ws-host';
import { hostHarness, type HostHarness } from '../helpers/host';
import { tempDir } from '../helpers/temp';
import { client, connect, until } from '../helpers/ws-page';

const SECRET_TEXT = 'this file is outside the renderer folder';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request: the path is sent exactly as given (no client-side normalisation). */
function get(port: number, rawPath: string, opts: { method?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: rawPath,
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? `127.0.0.1:${port}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the loopback WebSocket host', () => {
  let tmp: ReturnType<typeof tempDir>;
  let h: HostHarness;
  let host: WsHost;
  let renderer: string;

  beforeAll(async () => {
    tmp = tempDir();
    renderer = path.join(tmp.dir, 'renderer');
    mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    writeFileSync(
      path.join(renderer, 'index.html'),
      '<!doctype html><title>Tranche</title><script type="module" src="./assets/app.js"></script>',
    );
    writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log("tranche");');
    writeFileSync(path.join(renderer, 'assets', 'app.css'), 'body{}');
    writeFileSync(path.join(renderer, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(path.join(renderer, '.env'), 'hidden');
    writeFileSync(path.join(tmp.dir, 'secret.txt'), SECRET_TEXT);
    symlinkSync(path.join(tmp.dir, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'));
    h = hostHarness(path.join(tmp.dir, 'data'));
    host = await startWsHost({ dispatcher: h.dispatcher, rendererDir: renderer, port: 0 });
  });
  afterAll(async () => {
    await host.close();
    await h.close();
    tmp.cleanup();
  });

  it('prints a URL on 127.0.0.1 with a fresh 32-byte token in the fragment', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/#token=${host.token}`);
    expect(host.token).toMatch(/^[0-9a-f]{64}$/);
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
  });

  describe('refuses the upgrade before any socket exists', () => {
    it('without the token: 401', async () => {
      expect(await connect(host, { token: null })).toEqual({ status: 401 });
    });
    it('with a wrong token: 401', async () => {
      expect(await connect(host, { token: 'f'.repeat(64) })).toEqual({ status: 401 });
      expect(await connect(host, { token: host.token.slice(0, 10) })).toEqual({ status: 401 });
    });
    it('from a foreign Origin, or none, even with the right token: 403', async () => {
      expect(await connect(host, { origin: 'http://evil.example' })).toEqual({ status: 403 });
      expect(await connect(host, { origin: `http://localhost:${host.port}` })).toEqual({ status: 403 });
      expect(await connect(host, { origin: null })).toEqual({ status: 403 });
    });
    it('with the token in a ?token= query instead of the subprotocol: 401', async () => {
      expect(await connect(host, { token: null, path: `/ipc?token=${host.token}` })).toEqual({ status: 401 });
    });
    it('on another path: 404', async () => {
      expect(await connect(host, { path: '/socket' })).toEqual({ status: 404 });
    });
  });

  describe('with the token and the host’s own origin', () => {
    let ws: WebSocket;
    let page: ReturnType<typeof client>;
    beforeAll(async () => {
      const c = await connect(host);
      ws = c.ws!;
      expect(ws.protocol).toBe('tranche.v1');
      page = client(ws);
    });
    afterAll(() => ws.close());

    it('also accepts a page that offers only the token protocol', async () => {
      const only = new WebSocket(`ws://127.0.0.1:${host.port}/ipc`, [`tranche.token.${host.token}`], {
        origin: host.origin,
      });
      await new Promise((resolve, reject) => only.once('open', resolve).once('error', reject));
      expect(only.protocol).toBe(`tranche.token.${host.token}`);
      const r = await client(only).request('engine.status');
      expect(r).toMatchObject({ result: { ok: true } });
      only.close();
    });

    it('answers requests with the dispatcher’s results', async () => {
      const r = await page.request('engine.status');
      expect(r).toMatchObject({ type: 'response', id: 1, result: { ok: true, data: { state: 'stopped' } } });
      const params = await page.request('params.get');
      expect(params).toMatchObject({ result: { ok: true, data: { sets: expect.any(Array) } } });
      expect(host.clients()).toBeGreaterThanOrEqual(1);
    });

    it('pushes events to every connected page', async () => {
      const other = (await connect(host)).ws!;
      const second = client(other);
      const { sets } = await h.ok<{ sets: unknown[] }>('params.get');
      const saved = await page.request('params.save', { sets });
      expect(saved).toMatchObject({ result: { ok: true, data: { saved: true } } });
      for (const p of [page, second]) {
        await until('the log line event', () => p.events.some((e) => e.channel === 'log.line'));
        expect(p.events.find((e) => e.channel === 'log.line')!.data).toMatchObject({
          text: '💾 Parameter sets saved.',
        });
      }
      other.close();
    });

    it('answers malformed messages with an error and keeps serving', async () => {
      const notJson = await page.raw('{not json', 0);
      expect(notJson).toMatchObject({ type: 'response', id: 0, result: { ok: false, error: { code: 'malformed' } } });
      const noId = await page.raw(JSON.stringify({ type: 'request', channel: 'engine.status' }), 0);
      expect(noId).toMatchObject({ id: 0, result: { ok: false, error: { code: 'malformed' } } });
      const binary = await page.raw(Buffer.from([1, 2, 3]), 0);
      expect(binary).toMatchObject({ id: 0, result: { ok: false, error: { code: 'malformed' } } });
      const wrongType = await page.raw(JSON.stringify({ type: 'event', id: 900, channel: 'price', data: {} }), 900);
      expect(wrongType).toMatchObject({ id: 900, result: { ok: false, error: { code: 'malformed' } } });
      const unknown = await page.raw(
        JSON.stringify({ type: 'request', id: 901, channel: 'engine.fly', input: {} }),
        901,
      );
      expect(unknown).toMatchObject({ id: 901, result: { ok: false, error: { code: 'unknown-channel' } } });
      const invalid = await page.raw(
        JSON.stringify({ type: 'request', id: 902, channel: 'history.get', input: { limit: -1 } }),
        902,
      );
      expect(invalid).toMatchObject({ id: 902, result: { ok: false, error: { code: 'invalid-input' } } });
      expect(await page.request('engine.status')).toMatchObject({ result: { ok: true } });
    });
  });

  describe('static files of the built renderer', () => {
    it('serves index.html at / with the Content Security Policy and safe headers', async () => {
      const r = await get(host.port, '/');
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.body).toContain('<title>Tranche</title>');
      const csp = r.headers['content-security-policy'] as string;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`);
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
    });

    it('serves assets with their MIME types', async () => {
      expect((await get(host.port, '/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect((await get(host.port, '/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
      expect((await get(host.port, '/assets/logo.svg')).headers['content-type']).toBe('image/svg+xml');
      const head = await get(host.port, '/assets/app.js', { method: 'HEAD' });
      expect(head).toMatchObject({ status: 200, body: '' });
    });

    it('lists no directory, hides dot files, and 404s what is missing', async () => {
      expect((await get(host.port, '/assets/')).status).toBe(404);
      expect((await get(host.port, '/assets')).status).toBe(404);
      expect((await get(host.port, '/.env')).status).toBe(404);
      expect((await get(host.port, '/missing.js')).status).toBe(404);
      const route = await get(host.port, '/positions');
      expect(route.body).toContain('<title>Tranche</title>');
    });

    it('refuses every path out of the renderer folder', async () => {
      for (const p of [
        '/../secret.txt',
        '/assets/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/%2E%2E/%2E%2E/secret.txt',
        '/assets/..%2f..%2fsecret.txt',
        '/..%5csecret.txt',
        '/assets/link.txt',
        '/%00index.html',
        '/C:%5cWindows',
      ]) {
        const r = await get(host.port, p);
        expect([400, 403, 404], p).toContain(r.status);
        expect(r.body, p).not.toContain(SECRET_TEXT);
      }
      expect((await get(host.port, '/%E0%A4%A')).status).toBe(400);
    });

    it('answers only GET and HEAD, only for its own Host, and no plain GET on /ipc', async () => {
      expect((await get(host.port, '/', { method: 'POST' })).status).toBe(405);
      expect((await get(host.port, '/', { host: 'evil.example' })).status).toBe(403);
      expect((await get(host.port, '/ipc')).status).toBe(426);
    });
  });

  it('keeps serving after all that', async () => {
    const c = await connect(host);
    const r = await client(c.ws!).request('engine.status');
    expect(r).toMatchObject({ result: { ok: true } });
    c.ws!.close();
  });
});
