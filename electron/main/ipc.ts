import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT, IPC_REQUEST } from '../../shared/ipc/channels';
import type { Result } from '../../shared/ipc/contract';
import type { Dispatcher } from '../host/dispatcher';
import { isOurPage } from './renderer-source';

/**
 * The Electron transport of the IPC contract: one invoke channel for every request, into the same
 * dispatcher as the WebSocket host, and one channel for every event. Only our window's main frame,
 * showing our page, is answered: a frame or a page that is not ours gets 'unauthorized'.
 */
export function connectIpc(
  dispatcher: Dispatcher,
  window: () => BrowserWindow | undefined,
  devUrl: string | undefined,
): () => void {
  const trusted = (event: IpcMainInvokeEvent): boolean => {
    const win = window();
    const frame = event.senderFrame;
    if (!win || win.isDestroyed() || !frame) return false;
    if (event.sender !== win.webContents || frame !== win.webContents.mainFrame) return false;
    return isOurPage(frame.url, devUrl);
  };
  ipcMain.handle(IPC_REQUEST, async (event, channel: unknown, input: unknown): Promise<Result<unknown>> => {
    if (!trusted(event)) {
      return {
        ok: false,
        error: { code: 'unauthorized', message: 'requests are answered for the Tranche window only' },
      };
    }
    return dispatcher.request(typeof channel === 'string' ? channel : String(channel), input);
  });
  const unsubscribe = dispatcher.onEvent((channel, data) => {
    const win = window();
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT, { channel, data });
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_REQUEST);
  };
}
