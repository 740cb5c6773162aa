import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { LogLineDto } from '../../../shared/ipc/contract';
import { useApi } from '../api';

/** Lines kept in memory; older ones drop off (the host keeps the full log). */
export const LOG_CAPACITY = 2000;
const LOG_INITIAL = 500;

export type LevelFilter = 'all' | 'warn' | 'error';
export interface LogEntry extends LogLineDto {
  seq: number;
}

const SEVERITY = { info: 0, warn: 1, error: 2 } as const;

/** The engine's lines: bounded, live (`log.line`), filterable by text, symbol and level. */
export const useLogStore = defineStore('log', () => {
  const api = useApi();
  const lines = shallowRef<LogEntry[]>([]);
  const text = ref('');
  const symbol = ref('');
  const level = ref<LevelFilter>('all');
  const error = ref<string | null>(null);
  let seq = 0;

  function append(line: LogLineDto): void {
    const next = lines.value;
    next.push({ ...line, seq: ++seq });
    if (next.length > LOG_CAPACITY) next.splice(0, next.length - LOG_CAPACITY);
    triggerRef(lines);
  }

  api.on('log.line', append);

  async function refresh(): Promise<void> {
    const r = await api.request('log.recent', { limit: LOG_INITIAL });
    if (!r.ok) {
      error.value = r.error.message;
      return;
    }
    error.value = null;
    lines.value = r.data.slice(-LOG_CAPACITY).map((l) => ({ ...l, seq: ++seq }));
  }

  const symbols = computed(() => [...new Set(lines.value.map((l) => l.symbol).filter((s): s is string => !!s))].sort());

  const filtered = computed(() => {
    const needle = text.value.trim().toLowerCase();
    const min = level.value === 'all' ? 0 : SEVERITY[level.value];
    return lines.value.filter(
      (l) =>
        SEVERITY[l.level] >= min &&
        (!symbol.value || l.symbol === symbol.value) &&
        (!needle || l.text.toLowerCase().includes(needle) || (l.symbol ?? '').toLowerCase().includes(needle)),
    );
  });

  function clearFilters(): void {
    text.value = '';
    symbol.value = '';
    level.value = 'all';
  }

  return { lines, text, symbol, level, error, symbols, filtered, append, refresh, clearFilters };
});
