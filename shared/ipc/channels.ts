import type { EventChannel, RequestChannel } from './contract';

/**
 * The contract's channel names as plain lists, for code that must not bundle zod (the Electron
 * preload allow-lists them), and the two Electron IPC channels that carry the contract. The
 * compiler checks below keep these lists equal to the contract's keys.
 */

/** ipcRenderer.invoke(IPC_REQUEST, channel, input) -> Result. */
export const IPC_REQUEST = 'tranche:request';
/** webContents.send(IPC_EVENT, { channel, data }). */
export const IPC_EVENT = 'tranche:event';

export const REQUEST_CHANNEL_NAMES = [
  'engine.status',
  'engine.start',
  'engine.stop',
  'engine.emergencyStop',
  'engine.liveConfirmation',
  'position.close',
  'position.move',
  'position.forget',
  'paper.reset',
  'allocations.get',
  'allocations.clearAll',
  'params.get',
  'params.validate',
  'params.save',
  'params.import',
  'params.export',
  'symbols.list',
  'positions.list',
  'history.get',
  'history.exportCsv',
  'chart.get',
  'signals.get',
  'log.recent',
  'settings.get',
  'settings.save',
  'keys.status',
  'keys.set',
  'keys.test',
  'keys.delete',
  'alerts.get',
  'alerts.save',
  'alerts.test',
] as const satisfies readonly RequestChannel[];

export const EVENT_CHANNEL_NAMES = [
  'engine.state',
  'allocations.changed',
  'positions.changed',
  'trade.closed',
  'log.line',
  'price',
  'signal',
  'notification',
] as const satisfies readonly EventChannel[];

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile when a request channel of the contract is missing above. */
const _REQUEST_NAMES_COMPLETE: Same<(typeof REQUEST_CHANNEL_NAMES)[number], RequestChannel> = true;
/** Fails to compile when an event channel of the contract is missing above. */
const _EVENT_NAMES_COMPLETE: Same<(typeof EVENT_CHANNEL_NAMES)[number], EventChannel> = true;
