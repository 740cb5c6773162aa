import type { TrancheApi } from '../../../shared/ipc/contract';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected' | 'no-host';

export interface ConnectionInfo {
  status: ConnectionStatus;
  /** 'electron': window.tranche from the preload; 'websocket': the loopback host; 'none': neither. */
  transport: 'electron' | 'websocket' | 'none';
  /** Failed attempts since the last successful connection. */
  attempt: number;
  /** When the next attempt is due (ms since the epoch), while disconnected. */
  retryAt: number | null;
  /** Why we are not connected, in words. */
  detail: string | null;
}

/** The contract's API plus what a UI needs to show and steer the connection. */
export interface ConnectedApi extends TrancheApi {
  connection(): ConnectionInfo;
  onConnection(listener: (info: ConnectionInfo) => void): () => void;
  /** Skips the back-off wait and tries at once. */
  reconnectNow(): void;
  close(): void;
}
