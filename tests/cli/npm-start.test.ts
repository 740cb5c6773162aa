import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliChild, ROOT } from '../helpers/cli';
import { connectServe } from '../helpers/serve-client';
import { tempDir } from '../helpers/temp';

/**
 * `npm start`, the README's first command, on a machine without the Electron binary (this one):
 * the desktop workspace served to the browser on 127.0.0.1, its address printed and handed to the
 * browser (a stand-in that records what it was asked to open), nothing trading yet, and Ctrl+C
 * stopping it.
 */
describe('npm start', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('serves the workspace, opens it in the browser, waits in paper mode, and stops on Ctrl+C', async () => {
    expect(
      existsSync(path.join(ROOT, 'node_modules/electron/path.txt')),
      'this test is for a machine without Electron',
    ).toBe(false);
    const opened = path.join(tmp.dir, 'opened.txt');
    const browser = path.join(tmp.dir, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(browser, 0o755);
    const child = new CliChild(
      spawn('npm', ['start', '--', '--port=0', `--data-dir=${path.join(tmp.dir, 'data')}`], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', DISPLAY: ':0', TRANCHE_BROWSER: browser },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so Ctrl+C can be sent as a terminal sends it: to the whole group.
        detached: true,
      }),
    );
    try {
      await child.waitFor(/No Electron binary here/, 120_000);
      const [url] = await child.waitFor(/http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}/, 60_000);
      await child.waitFor(/Opened in your browser\./);
      expect(readFileSync(opened, 'utf8')).toBe(url);
      const page = await fetch(url!.split('#')[0]!);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<title>Tranche<\/title>/);
      const ui = await connectServe(child);
      expect(await ui.ok('engine.status')).toMatchObject({ state: 'stopped', mode: null, halted: false });
      ui.close();
      process.kill(-child.proc.pid!, 'SIGINT');
      const { code } = await child.exited;
      expect(code).toBe(0);
      expect(child.out).toMatch(/Stopped\. Nothing was trading\./);
    } finally {
      if (child.running) process.kill(-child.proc.pid!, 'SIGKILL');
      await child.exited;
    }
  }, 200_000);
});
