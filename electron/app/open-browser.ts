import { spawn } from 'node:child_process';

/** How this platform opens an address in the user's browser, or why it cannot. */
function browserOpener(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): { command: string; args: string[] } | { none: string } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  // Linux and the BSDs: a desktop session has a display; a server or a container has none.
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { none: 'no desktop session here (DISPLAY is not set)' };
  return { command: env.TRANCHE_BROWSER || 'xdg-open', args: [] };
}

/**
 * Opens `url` in the browser, detached (the browser outlives nothing of ours and we never wait on
 * it). Resolves with undefined once launched, or with why it could not be: the caller prints the
 * address instead.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const how = browserOpener(process.platform, env);
  if ('none' in how) return Promise.resolve(how.none);
  return new Promise((resolve) => {
    const child = spawn(how.command, [...how.args, url], { detached: true, stdio: 'ignore', env });
    child.once('error', (e: NodeJS.ErrnoException) =>
      resolve(e.code === 'ENOENT' ? `${how.command} is not installed` : `${how.command} failed: ${e.message}`),
    );
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
