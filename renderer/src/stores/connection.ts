import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi, type ConnectionInfo } from '../api';

/** The transport's state, for the header and the "disconnected" banner. */
export const useConnectionStore = defineStore('connection', () => {
  const api = useApi();
  const info = ref<ConnectionInfo>(api.connection());
  api.onConnection((next) => {
    info.value = next;
  });
  const connected = computed(() => info.value.status === 'connected');
  const label = computed(() => {
    switch (info.value.status) {
      case 'connected':
        return info.value.transport === 'electron' ? 'Connected' : 'Connected to host';
      case 'connecting':
        return 'Connecting…';
      case 'disconnected':
        return 'Disconnected';
      default:
        return 'No host';
    }
  });
  return { info, connected, label, reconnectNow: () => api.reconnectNow() };
});
