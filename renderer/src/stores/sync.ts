import { useApi } from '../api';
import { useAlertsStore } from './alerts';
import { useAllocationsStore } from './allocations';
import { useEngineStore } from './engine';
import { useHistoryStore } from './history';
import { useKeysStore } from './keys';
import { useLogStore } from './log';
import { useNotificationsStore } from './notifications';
import { useParamsStore } from './params';
import { usePositionsStore } from './positions';
import { useSettingsStore } from './settings';

/**
 * Creates every store (so each subscribes to its events at once) and reloads them all whenever the
 * connection (re)opens: events missed while disconnected are made up by a fresh read.
 */
export function startSync(): () => void {
  const api = useApi();
  useNotificationsStore();
  const stores = [
    useEngineStore(),
    useAllocationsStore(),
    useParamsStore(),
    usePositionsStore(),
    useHistoryStore(),
    useLogStore(),
    useSettingsStore(),
    useKeysStore(),
    useAlertsStore(),
  ];
  const refreshAll = () => Promise.all(stores.map((s) => s.refresh()));
  let previous = api.connection().status;
  if (previous === 'connected') void refreshAll();
  return api.onConnection((info) => {
    if (info.status === 'connected' && previous !== 'connected') void refreshAll();
    previous = info.status;
  });
}
