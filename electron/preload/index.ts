/**
 * The preload of the app window (sandboxed, context-isolated): exposes window.tranche with exactly
 * two functions, request(channel, input) and on(channel, listener), over two Electron IPC
 * channels. Channel names are allow-listed from the contract; nothing else of Electron or Node
 * (no ipcRenderer, no process) reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL_NAMES, IPC_EVENT, IPC_REQUEST, REQUEST_CHANNEL_NAMES } from '../../shared/ipc/channels';

const REQUESTS: ReadonlySet<string> = new Set(REQUEST_CHANNEL_NAMES);
const EVENTS: ReadonlySet<string> = new Set(EVENT_CHANNEL_NAMES);

type Listener = (data: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC_EVENT, (_event: IpcRendererEvent, message: unknown) => {
  const m = message as { channel?: unknown; data?: unknown } | null;
  if (!m || typeof m.channel !== 'string') return;
  for (const listener of listeners.get(m.channel) ?? []) {
    try {
      listener(m.data);
    } catch (e) {
      console.error(`a listener of ${m.channel} failed`, e);
    }
  }
});

contextBridge.exposeInMainWorld('tranche', {
  request(channel: unknown, input: unknown): Promise<unknown> {
    if (typeof channel !== 'string' || !REQUESTS.has(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'unknown-channel', message: `no such request channel: ${String(channel).slice(0, 80)}` },
      });
    }
    return ipcRenderer.invoke(IPC_REQUEST, channel, input);
  },
  on(channel: unknown, listener: unknown): () => void {
    if (typeof channel !== 'string' || !EVENTS.has(channel))
      throw new Error(`no such event channel: ${String(channel)}`);
    if (typeof listener !== 'function') throw new Error('on(channel, listener): the listener must be a function');
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    const l = listener as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
});
