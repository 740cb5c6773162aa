import { EventEmitter } from 'node:events';

/**
 * A stand-in for the parts of the `electron` module the shell uses, because the Electron binary
 * cannot run here. It records what the shell asks for (window options, handlers, headers) and lets
 * a test play Electron's side: the app getting ready, a page invoking IPC through the real preload,
 * navigation attempts, permission requests. Everything behind it (dispatcher, host, engine) is real.
 */

type Handler = (...args: unknown[]) => unknown;

class FakeFrame {
  constructor(public url: string) {}
}

class FakeWebContents extends EventEmitter {
  readonly mainFrame = new FakeFrame('about:blank');
  readonly sent: Array<{ channel: string; message: unknown }> = [];
  windowOpenHandler: Handler | undefined;
  constructor(private readonly electron: FakeElectron) {
    super();
  }
  send(channel: string, message: unknown): void {
    this.sent.push({ channel, message });
    this.electron.rendererReceive(channel, message);
  }
  setWindowOpenHandler(h: Handler): void {
    this.windowOpenHandler = h;
  }
}

export interface FakeElectron {
  state: {
    sandboxed: boolean;
    name?: string;
    paths: Map<string, string>;
    privileged: unknown[];
    protocolHandlers: Map<string, (req: Request) => Promise<Response> | Response>;
    permissionRequest?: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void;
    permissionCheck?: (wc: unknown, permission: string) => boolean;
    beforeRequest?: (details: { url: string }, cb: (r: { cancel: boolean }) => void) => void;
    headersReceived?: (
      details: { url: string; responseHeaders?: Record<string, string[]> },
      cb: (r: { responseHeaders: Record<string, string[]> }) => void,
    ) => void;
    windows: FakeBrowserWindow[];
    ipcHandlers: Map<string, Handler>;
    exposed: Map<string, Record<string, Handler>>;
    notifications: Array<{ title: string; body: string }>;
    quitCalls: number;
  };
  /** Resolves app.whenReady(). */
  ready(): void;
  /** What the main process sent reaches the preload's ipcRenderer listeners. */
  rendererReceive(channel: string, message: unknown): void;
  module: Record<string, unknown>;
}

class FakeBrowserWindow extends EventEmitter {
  readonly webContents: FakeWebContents;
  url: string | undefined;
  visible = true;
  destroyed = false;
  constructor(
    readonly options: Record<string, unknown>,
    private readonly electron: FakeElectron,
  ) {
    super();
    this.webContents = new FakeWebContents(electron);
    electron.state.windows.push(this);
    (electron.module.app as EventEmitter).emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.url = url;
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  removeMenu(): void {}
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {}
  restore(): void {}
  isMinimized(): boolean {
    return false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Electron's close: listeners may prevent it. Returns whether the window closed. */
  close(): boolean {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return false;
    this.destroyed = true;
    this.emit('closed');
    if (this.electron.state.windows.every((w) => w.destroyed)) {
      (this.electron.module.app as EventEmitter).emit('window-all-closed');
    }
    return true;
  }
}

export function createFakeElectron(): FakeElectron {
  let resolveReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((r) => (resolveReady = r));
  const rendererListeners = new Map<string, Set<Handler>>();
  const app = new EventEmitter();
  const fake: FakeElectron = {
    state: {
      sandboxed: false,
      paths: new Map([['appData', '/nonexistent-appdata']]),
      privileged: [],
      protocolHandlers: new Map(),
      windows: [],
      ipcHandlers: new Map(),
      exposed: new Map(),
      notifications: [],
      quitCalls: 0,
    },
    ready: () => resolveReady(),
    rendererReceive(channel, message) {
      for (const l of rendererListeners.get(channel) ?? []) l({}, message);
    },
    module: {},
  };
  const s = fake.state;
  Object.assign(app, {
    isPackaged: false,
    setName: (n: string) => (s.name = n),
    getPath: (n: string) => s.paths.get(n) ?? `/nonexistent-${n}`,
    setPath: (n: string, p: string) => s.paths.set(n, p),
    enableSandbox: () => (s.sandboxed = true),
    requestSingleInstanceLock: () => true,
    whenReady: () => readyPromise,
    quit: () => {
      s.quitCalls++;
      app.emit('before-quit', { preventDefault: () => undefined });
    },
  });
  const mainWindowOf = () => s.windows.find((w) => !w.destroyed);
  fake.module = {
    app,
    BrowserWindow: class extends FakeBrowserWindow {
      constructor(options: Record<string, unknown>) {
        super(options, fake);
      }
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => s.privileged.push(...schemes),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => s.protocolHandlers.set(scheme, h),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: NonNullable<typeof s.permissionRequest>) => (s.permissionRequest = h),
        setPermissionCheckHandler: (h: NonNullable<typeof s.permissionCheck>) => (s.permissionCheck = h),
        webRequest: {
          onBeforeRequest: (h: NonNullable<typeof s.beforeRequest>) => (s.beforeRequest = h),
          onHeadersReceived: (h: NonNullable<typeof s.headersReceived>) => (s.headersReceived = h),
        },
      },
    },
    ipcMain: {
      handle: (channel: string, h: Handler) => s.ipcHandlers.set(channel, h),
      removeHandler: (channel: string) => s.ipcHandlers.delete(channel),
    },
    // The preload's side: invoke goes to ipcMain's handler as if sent by the window's main frame.
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        const h = s.ipcHandlers.get(channel);
        if (!h) throw new Error(`No handler registered for '${channel}'`);
        const win = mainWindowOf()!;
        return h({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, ...args);
      },
      on: (channel: string, l: Handler) => {
        let set = rendererListeners.get(channel);
        if (!set) rendererListeners.set(channel, (set = new Set()));
        set.add(l);
      },
    },
    contextBridge: {
      exposeInMainWorld: (key: string, api: Record<string, Handler>) => s.exposed.set(key, api),
    },
    Notification: class {
      static isSupported = () => true;
      constructor(private readonly opts: { title: string; body: string }) {}
      show() {
        s.notifications.push(this.opts);
      }
    },
    dialog: { showMessageBox: async () => ({ response: 2 }) },
    Tray: class {
      setToolTip() {}
      setContextMenu() {}
      on() {}
      destroy() {}
    },
    Menu: { buildFromTemplate: (t: unknown) => t },
    nativeImage: { createFromDataURL: (u: string) => ({ url: u }) },
  };
  return fake;
}
