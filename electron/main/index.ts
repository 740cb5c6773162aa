/**
 * The Electron shell, kept thin: one window, the TradingHost in this (main) process, and the
 * Electron IPC transport in front of the same dispatcher the headless host uses. Everything that
 * trades is plain Node in electron/host, electron/app and below.
 */
import { app, Notification, type BrowserWindow, type Tray } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_NAME } from '../app/paths';
import { createDispatcher, type Dispatcher } from '../host/dispatcher';
import { TradingHost } from '../host/trading-host';
import { connectIpc } from './ipc';
import { devServerUrl, registerAppScheme, serveRenderer } from './renderer-source';
import { hardenApp, hardenSession } from './security';
import { askOnClose, createTray } from './tray';
import { createMainWindow } from './window';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // out/main
const PRELOAD = path.join(HERE, '../preload/index.cjs');
const RENDERER = path.join(HERE, '../renderer');

// userData is <appData>/Tranche, the data folder the CLI and the headless host use too.
app.setName(APP_NAME);
app.setPath('userData', path.join(app.getPath('appData'), APP_NAME));
app.enableSandbox();
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit(); // the first instance shows its window (second-instance below)
} else {
  run();
}

function run(): void {
  const devUrl = devServerUrl(app.isPackaged);
  hardenApp(devUrl);
  let win: BrowserWindow | undefined;
  let tray: Tray | undefined;
  let host: TradingHost | undefined;
  let dispatcher: Dispatcher | undefined;
  let quitting = false;
  let shutDown = false;
  const diag = (m: string) => process.stderr.write(`[host] ${m}\n`);

  const show = () => {
    if (!host) return;
    if (!win || win.isDestroyed()) win = openWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  const openWindow = (): BrowserWindow => {
    const w = createMainWindow({ preload: PRELOAD, devUrl });
    w.on('close', (event) => {
      if (quitting || !host?.trading) return;
      event.preventDefault();
      void askOnClose(w).then((choice) => {
        if (choice === 'tray') {
          tray ??= createTray({
            show,
            stopTrading: async () => {
              await host?.stop();
            },
            quit: () => app.quit(),
          });
          w.hide();
        } else if (choice === 'stop') app.quit();
      });
    });
    w.on('closed', () => {
      if (win === w) win = undefined;
    });
    return w;
  };

  app.on('second-instance', show);
  app.on('activate', show);

  void app.whenReady().then(() => {
    hardenSession(devUrl);
    serveRenderer(RENDERER);
    const dataDir = process.env.TRANCHE_DATA_DIR || app.getPath('userData');
    host = new TradingHost({ dataDir, log: diag });
    dispatcher = createDispatcher({ handlers: host.handlers(), events: host, log: diag });
    dispatcher.onEvent((channel, data) => {
      // Native notifications when the trader is not looking at the window (the page shows its own).
      if (channel !== 'notification' || !Notification.isSupported()) return;
      if (win && !win.isDestroyed() && win.isVisible() && win.isFocused()) return;
      const n = data as { title: string; body: string };
      new Notification({ title: n.title, body: n.body }).show();
    });
    connectIpc(dispatcher, () => win, devUrl);
    win = openWindow();
  });

  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });

  // Quitting stops trading first: no new entries, orders in flight finish, positions stay protected.
  app.on('before-quit', (event) => {
    quitting = true;
    if (shutDown || !host) return;
    event.preventDefault();
    const closing = host;
    host = undefined;
    void closing
      .close()
      .catch((e: unknown) => diag(`stopping failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        dispatcher?.close();
        tray?.destroy();
        shutDown = true;
        app.quit();
      });
  });
}
