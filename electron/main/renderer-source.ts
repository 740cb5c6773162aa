import { protocol } from 'electron';
import fs from 'node:fs/promises';
import { contentSecurityPolicy } from '../host/csp';
import { resolveStaticPath } from '../host/static-files';

/**
 * Where the window's page comes from. Built: the custom scheme app://tranche/, served from
 * out/renderer by a protocol handler (a real origin, the CSP header on every answer, no file://
 * access to the rest of the disk). Development (electron-vite dev): its dev server,
 * ELECTRON_RENDERER_URL.
 */
const APP_SCHEME = 'app';
const APP_HOST = 'tranche';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Serves app://tranche/* from the built renderer, with the CSP; anything else is 404. */
export function serveRenderer(rendererDir: string): void {
  const headers = {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
  };
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('Not Found', { status: 404, headers });
    const found = resolveStaticPath(rendererDir, url.pathname);
    if (found.kind !== 'file') {
      const status = found.kind === 'forbidden' ? 403 : found.kind === 'bad-request' ? 400 : 404;
      return new Response(null, { status, headers });
    }
    try {
      const body = await fs.readFile(found.file);
      return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': found.contentType } });
    } catch {
      return new Response(null, { status: 404, headers });
    }
  });
}

/** The dev server's origin when running under electron-vite dev (never in a packaged app). */
export function devServerUrl(packaged: boolean): string | undefined {
  const url = process.env.ELECTRON_RENDERER_URL;
  if (packaged || !url) return undefined;
  try {
    const u = new URL(url);
    return u.hostname === 'localhost' || u.hostname === '127.0.0.1' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a page URL is ours: the app scheme, or the dev server's origin. */
export function isOurPage(url: string, devUrl: string | undefined): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
    return devUrl !== undefined && u.origin === new URL(devUrl).origin;
  } catch {
    return false;
  }
}
