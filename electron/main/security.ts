import { app, session } from 'electron';
import { contentSecurityPolicy } from '../host/csp';
import { isOurPage } from './renderer-source';

/**
 * App-wide hardening (Electron's security checklist): no navigation away from our page, no new
 * windows, no <webview>, no permission but notifications, no request to anything but our own page
 * (and the dev server in development), and the renderer's Content Security Policy on every
 * response, including the dev server's.
 */
export function hardenApp(devUrl: string | undefined): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isOurPage(url, devUrl)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isOurPage(url, devUrl)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

export function hardenSession(devUrl: string | undefined): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === 'notifications'));
  ses.setPermissionCheckHandler((_contents, permission) => permission === 'notifications');
  const devOrigin = devUrl ? new URL(devUrl).origin : undefined;
  const devSocket = devOrigin?.replace(/^http/, 'ws');
  ses.webRequest.onBeforeRequest((details, callback) => {
    const u = details.url;
    const allowed =
      u.startsWith('app://tranche/') ||
      u.startsWith('devtools://') ||
      u.startsWith('data:') ||
      (devOrigin !== undefined &&
        (u.startsWith(`${devOrigin}/`) || (devSocket !== undefined && u.startsWith(`${devSocket}/`))));
    callback({ cancel: !allowed });
  });
  const csp = contentSecurityPolicy(devSocket ? { connect: [devSocket], dev: true } : {});
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}
