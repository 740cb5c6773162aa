import { BrowserWindow } from 'electron';
import { APP_ORIGIN } from './renderer-source';

/** The one app window: isolated, sandboxed, no Node in the page, only the preload's window.tranche. */
export function createMainWindow(opts: { preload: string; devUrl: string | undefined }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Tranche',
    show: false,
    backgroundColor: '#111418',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would open links in a new window (and window.open is denied anyway).
      disableBlinkFeatures: 'Auxclick',
      devTools: opts.devUrl !== undefined,
    },
  });
  win.removeMenu();
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.devUrl ?? `${APP_ORIGIN}/index.html`);
  return win;
}
