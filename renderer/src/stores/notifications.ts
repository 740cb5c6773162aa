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

/** Every entry, exit, refusal and error is a toast too (and a line of the activity feed). */
const TOAST_KIND: Record<EventPayload<'notification'>['kind'], ToastKind> = {
  entry: 'success',
  exit: 'info',
  refusal: 'warn',
  error: 'error',
};

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
  /** The activity feed: what the host told, newest first, with when it arrived. */
  const recent = ref<Array<EventPayload<'notification'> & { at: string }>>([]);
  /** Whether the trader has been asked about desktop notifications (asked once, on the first start). */
  const offered = ref(readPref('notify') !== null);
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
    offered.value = true;
    writePref('notify', enabled.value ? 'on' : 'off');
    return enabled.value;
  }

  function disable(): void {
    enabled.value = false;
    offered.value = true;
    writePref('notify', 'off');
  }

  function show(n: EventPayload<'notification'>): void {
    recent.value = [{ ...n, at: new Date().toISOString() }, ...recent.value].slice(0, 50);
    toast(`${n.title}: ${n.body}`, TOAST_KIND[n.kind]);
    if (!enabled.value || n.kind === 'refusal') return;
    permission.value = currentPermission();
    if (permission.value !== 'granted') return;
    try {
      new Notification(n.title, { body: n.body, tag: `tranche-${n.kind}` });
    } catch (err) {
      console.warn('desktop notification failed', err);
    }
  }

  api.on('notification', show);

  return { enabled, permission, offered, recent, toasts, toast, dismiss, enable, disable, show };
});
