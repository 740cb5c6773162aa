import { Menu, Tray, dialog, nativeImage, type BrowserWindow } from 'electron';

/** A 16x16 icon (three green bars on dark), so the tray entry is visible without shipped assets. */
const ICON_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAK0lEQVR4nGMQFJH4TwlmoKsBemcKwXgIGYCuYSQYQEjDqAFUSInYMMUGAAC7j3lo+dMH8wAAAABJRU5ErkJggg==';

export interface TrayActions {
  show(): void;
  stopTrading(): Promise<void>;
  quit(): void;
}

/** Tranche in the system tray while it trades with its window closed. */
export function createTray(actions: TrayActions): Tray {
  const tray = new Tray(nativeImage.createFromDataURL(`data:image/png;base64,${ICON_PNG_BASE64}`));
  tray.setToolTip('Tranche: trading');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show Tranche', click: () => actions.show() },
      { label: 'Stop trading', click: () => void actions.stopTrading() },
      { type: 'separator' },
      { label: 'Stop trading and quit', click: () => actions.quit() },
    ]),
  );
  tray.on('click', () => actions.show());
  return tray;
}

export type CloseChoice = 'tray' | 'stop' | 'cancel';

/** Asked when the window is closed while trading. */
export async function askOnClose(win: BrowserWindow): Promise<CloseChoice> {
  const { response } = await dialog.showMessageBox(win, {
    type: 'question',
    title: 'Tranche is trading',
    message: 'Tranche is trading. Keep trading in the tray, or stop?',
    detail:
      'In the tray, Tranche keeps following signals and positions; open it again from the tray icon. Stopping makes no new entries; open positions stay protected by their OCOs on the exchange.',
    buttons: ['Keep trading in the tray', 'Stop trading and quit', 'Cancel'],
    defaultId: 0,
    cancelId: 2,
    noLink: true,
  });
  return response === 0 ? 'tray' : response === 1 ? 'stop' : 'cancel';
}
