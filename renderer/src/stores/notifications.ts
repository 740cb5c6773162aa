import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { EventPayload } from '../../../shared/ipc/contract';
import { useApi } from '../api';
import { readPref, writePref } from '../util/prefs';

export type ToastKind = 'info' | 'success' | 'warn' | 'error';
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

type Permission = NotificationPermission | 'unsupported';

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Desktop notifications (the Notification API) for the host's `notification` events: entries, exits
 * and errors, when the trader turned them on and the system permits them. Also the in-app toasts
 * that confirm or explain what a button did.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const api = useApi();
  const enabled = ref(readPref('notify') === 'on');
  const permission = ref<Permission>(currentPermission());
  const recent = ref<EventPayload<'notification'>[]>([]);
  const toasts = ref<Toast[]>([]);
  let nextToast = 1;

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  function toast(text: string, kind: ToastKind = 'info', ms = kind === 'error' ? 12_000 : 5_000): void {
    const id = nextToast++;
    toasts.value = [...toasts.value.slice(-4), { id, kind, text }];
    if (ms > 0) setTimeout(() => dismiss(id), ms);
  }

  async function enable(): Promise<boolean> {
    permission.value = currentPermission();
    if (permission.value === 'unsupported') return false;
    if (permission.value === 'default') permission.value = await Notification.requestPermission();
    enabled.value = permission.value === 'granted';
    writePref('notify', enabled.value ? 'on' : 'off');
    return enabled.value;
  }

  function disable(): void {
    enabled.value = false;
    writePref('notify', 'off');
  }

  function show(n: EventPayload<'notification'>): void {
    recent.value = [n, ...recent.value].slice(0, 50);
    if (n.kind === 'error') toast(`${n.title}: ${n.body}`, 'error');
    if (!enabled.value) return;
    permission.value = currentPermission();
    if (permission.value !== 'granted') return;
    try {
      new Notification(n.title, { body: n.body, tag: `tranche-${n.kind}` });
    } catch (err) {
      console.warn('desktop notification failed', err);
    }
  }

  api.on('notification', show);

  return { enabled, permission, recent, toasts, toast, dismiss, enable, disable, show };
});
