import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli, startCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/** `npm run serve`: the host headless behind the loopback WebSocket, as a child process. */
describe('serve', () => {
  let tmp: ReturnType<typeof tempDir>;
  let renderer: string;
  beforeAll(() => {
    tmp = tempDir();
    renderer = path.join(tmp.dir, 'renderer');
    mkdirSync(renderer, { recursive: true });
    writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Tranche</title>');
  });
  afterAll(() => tmp.cleanup());

  it('says to run npm run build when the renderer is not built', () => {
    const r = runCli(['serve', `--renderer-dir=${path.join(tmp.dir, 'nothing')}`, `--data-dir=${tmp.dir}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/run npm run build first/);
  });

  it('prints the URL with the token, serves the page and the socket, and stops cleanly on Ctrl+C', async () => {
    const child = startCli([
      'serve',
      '--port=0',
      `--data-dir=${path.join(tmp.dir, 'data')}`,
      `--renderer-dir=${renderer}`,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      let match: RegExpMatchArray | null = null;
      while (!(match = /http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]{64})/.exec(stdout))) {
        if (Date.now() > deadline) throw new Error(`no URL printed:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const [, port, token] = match;
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ipc`, ['tranche.v1', `tranche.token.${token}`], {
        origin: `http://127.0.0.1:${port}`,
      });
      const answer = await new Promise<unknown>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('open', () => ws.send(JSON.stringify({ type: 'request', id: 1, channel: 'engine.status', input: {} })));
        ws.on('message', (raw) => {
          const m = JSON.parse(String(raw)) as { type: string };
          if (m.type === 'response') resolve(m);
        });
      });
      expect(answer).toMatchObject({ type: 'response', id: 1, result: { ok: true, data: { state: 'stopped' } } });
      ws.close();
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      // Nothing traded in this host: the last line says so, not that positions stay protected.
      expect(stdout).toContain('Stopped. Nothing was trading.');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
