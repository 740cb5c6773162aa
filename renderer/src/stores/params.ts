import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ALLOCATION_SUM_SLACK, validateParameterFile } from '../../../shared/params/schema';
import { useApi } from '../api';
import { downloadText } from '../util/download';
import { useNotificationsStore } from './notifications';

/** The fields the form edits, in the file's order (after `enabled`, which is a checkbox). */
const DRAFT_FIELDS = [
  'symbol',
  'allocationPercent',
  'zScoreThreshold',
  'profitPercent',
  'stopLossPercent',
  'interval',
  'lookback',
  'movingAverages',
  'exitZScore',
  'stopLimitOffsetPercent',
  'stopOrderType',
] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];

const NUMBER_FIELDS = new Set<DraftField>([
  'allocationPercent',
  'zScoreThreshold',
  'profitPercent',
  'stopLossPercent',
  'lookback',
  'movingAverages',
  'exitZScore',
  'stopLimitOffsetPercent',
]);

/** One set as the trader is typing it: every field a string, exactly what is in the input. */
export type DraftSet = { key: number; enabled: boolean } & Record<DraftField, string>;

/** A problem as the form shows it: next to its field, on its set, or above the sets. */
export interface FormProblem {
  path: string;
  row: number | null;
  field: string | null;
  message: string;
  /** Blocks saving (everything but unknown symbols checked against a built-in list, and a failed import). */
  blocking: boolean;
  source: 'form' | 'symbols' | 'host';
}

const SYMBOL_PATTERN = /^[A-Z0-9]{5,20}$/;
const DEFAULT_FILENAME = 'live-params.json';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

let nextKey = 1;

/** A set from a file or the host, leniently: whatever is there becomes text in the inputs. */
function draftFromInput(raw: unknown): DraftSet {
  const r = isRecord(raw) ? raw : {};
  const text = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v));
  const draft = { key: nextKey++, enabled: r.enabled === undefined ? true : r.enabled === true } as DraftSet;
  for (const f of DRAFT_FIELDS) draft[f] = text(r[f]);
  return draft;
}

/** "33.3" -> 33.3, "33,3" -> 33.3, "" -> undefined (so the schema says "is required"), "abc" -> "abc" (so it says "must be a number"). */
function toNumber(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const normalized = /^[-+]?\d+,\d+$/.test(t) ? t.replace(',', '.') : t;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(normalized) ? Number(normalized) : t;
}

/** A draft as the file holds it: optional fields only when filled in, `enabled` only when false. */
function draftToRaw(d: DraftSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of DRAFT_FIELDS) {
    const value = NUMBER_FIELDS.has(f) ? toNumber(d[f]) : d[f].trim() || undefined;
    if (value !== undefined) out[f] = value;
    if (f === 'stopLossPercent' && !d.enabled) out.enabled = false;
  }
  return out;
}

function parsePath(path: string): { row: number | null; field: string | null } {
  const m = /^parameterSets\[(\d+)\](?:\.([A-Za-z]+))?/.exec(path);
  return m ? { row: Number(m[1]), field: m[2] ?? null } : { row: null, field: null };
}

/** The validator's sum problem (shared/params/schema.ts): "enabled allocations sum to 116.6%, above 100% (BTCUSDT 50% + ...); ...". */
const SUM_PROBLEM =
  /^enabled allocations sum to ([^%\s]+)%, above 100% \((.*)\); lower some allocations or disable a set$/;

/**
 * A validator message in the trader's words: sets by their number ("parameterSets[0]" -> "set 1"),
 * the allocation sum in a sentence, and never the file's field name `allocationPercent`.
 */
export function humanize(message: string): string {
  const sum = SUM_PROBLEM.exec(message);
  if (sum) {
    // A contributor without a symbol is named "#i" (0-based) by the validator.
    const parts = sum[2]!.replace(/(^|\+ )#(\d+) /g, (_m, lead: string, i: string) => `${lead}set ${Number(i) + 1} `);
    return `The enabled allocations add up to ${sum[1]}%, above 100% (${parts}): lower an allocation or disable a set`;
  }
  return message
    .replace(/parameterSets\[(\d+)\]/g, (_m, i: string) => `set ${Number(i) + 1}`)
    .replace(/\ballocationPercent\b/g, 'allocation');
}

/** The message as shown next to its field: without the field's own name ("Must be greater than 0"). */
export function fieldMessage(field: string, message: string): string {
  if (!message.startsWith(`${field} `)) return humanize(message);
  const rest = humanize(message.slice(field.length + 1));
  if (rest === 'is required') return 'Required';
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

/**
 * The parameter sets being edited. Validation runs as the trader types, with the very function the
 * main process uses (validateParameterFile from shared/), plus a check of each symbol against
 * symbols.list. Saving is blocked while anything blocking is wrong, above all an enabled allocation
 * sum above 100%.
 */
export const useParamsStore = defineStore('params', () => {
  const api = useApi();
  const notify = useNotificationsStore();
  const drafts = ref<DraftSet[]>([]);
  const symbols = ref<string[]>([]);
  const symbolSource = ref<'exchange' | 'built-in' | null>(null);
  const loaded = ref(false);
  const saving = ref(false);
  const error = ref<string | null>(null);
  const hostProblems = ref<FormProblem[]>([]);
  /** The last saved (or loaded) sets, normalised, to tell whether there are unsaved changes. */
  const savedSnapshot = ref('[]');
  const lastSave = ref<{ at: string; appliesToNewEntriesOnly: boolean } | null>(null);
  /** The set removed last, with its place, until it is put back, another set is removed or the sets are saved or replaced. */
  const removed = ref<{ draft: DraftSet; row: number } | null>(null);

  const rawSets = computed(() => drafts.value.map(draftToRaw));
  const dirty = computed(() => JSON.stringify(rawSets.value) !== savedSnapshot.value);

  const formProblems = computed<FormProblem[]>(() => {
    const v = validateParameterFile({ parameterSets: rawSets.value });
    if (v.ok) return [];
    return v.problems.map((p) => ({ ...p, ...parsePath(p.path), blocking: true, source: 'form' as const }));
  });

  const symbolProblems = computed<FormProblem[]>(() => {
    if (symbols.value.length === 0) return [];
    const known = new Set(symbols.value);
    const fromExchange = symbolSource.value === 'exchange';
    const out: FormProblem[] = [];
    drafts.value.forEach((d, row) => {
      const s = d.symbol.trim();
      if (!SYMBOL_PATTERN.test(s) || known.has(s)) return;
      out.push({
        path: `parameterSets[${row}].symbol`,
        row,
        field: 'symbol',
        message: fromExchange
          ? `symbol ${s} is not traded on the exchange`
          : `symbol ${s} is not in the built-in list of symbols: check it on Binance`,
        blocking: fromExchange,
        source: 'symbols',
      });
    });
    return out;
  });

  const problems = computed<FormProblem[]>(() => {
    const local = [...formProblems.value, ...symbolProblems.value];
    const seen = new Set(local.map((p) => `${p.path}\u0000${p.message}`));
    return [...local, ...hostProblems.value.filter((p) => !seen.has(`${p.path}\u0000${p.message}`))];
  });

  const blocking = computed(() => problems.value.filter((p) => p.blocking));

  /** Sum of the enabled sets' allocationPercent (what the gauge shows). */
  const allocationSum = computed(() =>
    drafts.value.reduce((sum, d) => {
      if (!d.enabled) return sum;
      const n = toNumber(d.allocationPercent);
      return typeof n === 'number' && Number.isFinite(n) ? sum + n : sum;
    }, 0),
  );
  const overAllocated = computed(() => allocationSum.value > 100 + ALLOCATION_SUM_SLACK);
  const canSave = computed(() => loaded.value && !saving.value && blocking.value.length === 0);

  function problemsAt(row: number | null, field: string | null): FormProblem[] {
    return problems.value.filter((p) => p.row === row && p.field === field);
  }

  function edited(): void {
    hostProblems.value = [];
  }

  function setField(row: number, field: DraftField, value: string): void {
    const d = drafts.value[row];
    if (!d) return;
    d[field] = field === 'symbol' ? value.toUpperCase() : value;
    edited();
  }

  function setEnabled(row: number, enabled: boolean): void {
    const d = drafts.value[row];
    if (!d) return;
    d.enabled = enabled;
    edited();
  }

  function addSet(): void {
    const last = drafts.value.at(-1);
    const remaining = Math.max(0, 100 - allocationSum.value);
    const d = draftFromInput({});
    d.allocationPercent = remaining >= 0.01 ? String(+remaining.toFixed(2)) : '';
    if (last) {
      for (const f of ['zScoreThreshold', 'profitPercent', 'stopLossPercent', 'interval', 'lookback'] as const) {
        d[f] = last[f];
      }
      d.movingAverages = last.movingAverages;
      d.stopLimitOffsetPercent = last.stopLimitOffsetPercent;
    }
    drafts.value.push(d);
    edited();
  }

  function removeSet(row: number): void {
    const [draft] = drafts.value.splice(row, 1);
    if (!draft) return;
    removed.value = { draft, row };
    edited();
  }

  /** Puts the set removed last back at its place, with its values; its row, or null when there is nothing to undo. */
  function undoRemove(): number | null {
    const r = removed.value;
    if (!r) return null;
    const row = Math.min(r.row, drafts.value.length);
    drafts.value.splice(row, 0, r.draft);
    removed.value = null;
    edited();
    return row;
  }

  function revert(): void {
    drafts.value = (JSON.parse(savedSnapshot.value) as unknown[]).map(draftFromInput);
    hostProblems.value = [];
    removed.value = null;
  }

  function toHostProblems(list: { path: string; message: string }[], blockingFlag: boolean): FormProblem[] {
    return list.map((p) => ({ ...p, ...parsePath(p.path), blocking: blockingFlag, source: 'host' as const }));
  }

  async function refresh(): Promise<void> {
    const [sets, syms] = await Promise.all([api.request('params.get', {}), api.request('symbols.list', {})]);
    if (syms.ok) {
      symbols.value = syms.data.symbols;
      symbolSource.value = syms.data.source;
    }
    if (!sets.ok) {
      error.value = sets.error.message;
      return;
    }
    error.value = null;
    const incoming = sets.data.sets.map(draftFromInput);
    const snapshot = JSON.stringify(incoming.map(draftToRaw));
    // Never throw away what the trader is typing because the connection came back.
    if (!loaded.value || !dirty.value) {
      drafts.value = incoming;
      hostProblems.value = [];
      removed.value = null;
    }
    savedSnapshot.value = snapshot;
    loaded.value = true;
  }

  /**
   * Pauses (no new entries; an open position keeps its OCO) or resumes one saved set, changing
   * nothing else: the saved sets with that one flag, saved as the form's Save would (so a running
   * engine takes it at once and the ledger's journal records it). Refused while the form has
   * unsaved changes, which it would otherwise either lose or save unasked.
   */
  async function setPaused(symbol: string, paused: boolean): Promise<{ ok: boolean; message: string }> {
    if (dirty.value)
      return { ok: false, message: 'The parameter form has unsaved changes: save or revert them first.' };
    const saved = JSON.parse(savedSnapshot.value) as Array<Record<string, unknown>>;
    const row = saved.findIndex((s) => s.symbol === symbol);
    if (row < 0) return { ok: false, message: `${symbol} is not among the saved parameter sets.` };
    const sets = saved.map((s, i) => {
      if (i !== row) return s;
      const { enabled: _was, ...rest } = s;
      return paused ? { ...rest, enabled: false } : rest; // the seed's shape: enabled only when false
    });
    saving.value = true;
    try {
      const r = await api.request('params.save', { sets });
      if (!r.ok) return { ok: false, message: r.error.message };
      if (!r.data.saved) return { ok: false, message: r.data.problems.map((p) => p.message).join('; ') };
      savedSnapshot.value = JSON.stringify(sets.map((x) => draftToRaw(draftFromInput(x))));
      drafts.value = JSON.parse(savedSnapshot.value).map(draftFromInput);
      notify.toast(r.data.message ?? `${symbol} ${paused ? 'paused' : 'resumed'}.`, 'success');
      return { ok: true, message: r.data.message ?? '' };
    } finally {
      saving.value = false;
    }
  }

  async function save(): Promise<boolean> {
    if (!canSave.value) return false;
    saving.value = true;
    const sets = rawSets.value;
    try {
      const r = await api.request('params.save', { sets });
      if (!r.ok) {
        error.value = r.error.message;
        notify.toast(`Parameter sets not saved: ${r.error.message}`, 'error');
        return false;
      }
      if (!r.data.saved) {
        hostProblems.value = toHostProblems(r.data.problems, true);
        notify.toast(
          `Parameter sets not saved: ${r.data.problems.length} problem${r.data.problems.length === 1 ? '' : 's'}`,
          'error',
        );
        return false;
      }
      error.value = null;
      hostProblems.value = [];
      removed.value = null;
      savedSnapshot.value = JSON.stringify(sets);
      lastSave.value = { at: new Date().toISOString(), appliesToNewEntriesOnly: r.data.appliesToNewEntriesOnly };
      notify.toast(r.data.message ?? 'Parameter sets saved.', 'success');
      return true;
    } finally {
      saving.value = false;
    }
  }

  /** Loads a parameter file (the seed's format) into the form; nothing is saved until Save. */
  async function importJson(json: string): Promise<boolean> {
    const r = await api.request('params.import', { json });
    if (!r.ok) {
      notify.toast(`Import failed: ${r.error.message}`, 'error');
      return false;
    }
    const { sets, problems: found } = r.data;
    if (sets.length === 0 && found.length > 0) {
      hostProblems.value = toHostProblems(
        found.map((p) => ({ path: p.path, message: `import: ${p.message}` })),
        false,
      );
      // The host names where the text stops being JSON: "not valid JSON at line 3, column 14: ...".
      const syntax = found.find((p) => p.path === '(root)' && p.message.startsWith('not valid JSON'));
      notify.toast(`Import failed: the file is ${syntax ? syntax.message : 'not a parameter file'}`, 'error');
      return false;
    }
    drafts.value = sets.map(draftFromInput);
    removed.value = null;
    hostProblems.value = toHostProblems(found, true);
    notify.toast(`Imported ${sets.length} set${sets.length === 1 ? '' : 's'}: review, then Save`, 'info');
    return true;
  }

  /** The seed's file format: the saved file from the host, or what the form holds when it has unsaved changes. */
  async function exportJson(): Promise<{ json: string; filename: string } | null> {
    if (!dirty.value) {
      const r = await api.request('params.export', {});
      if (r.ok) return r.data;
      if (r.error.code !== 'failed') {
        notify.toast(`Export failed: ${r.error.message}`, 'error');
        return null;
      }
    }
    return { json: `${JSON.stringify({ parameterSets: rawSets.value }, null, 2)}\n`, filename: DEFAULT_FILENAME };
  }

  async function download(): Promise<void> {
    const file = await exportJson();
    if (file) downloadText(file.filename, file.json, 'application/json');
  }

  return {
    setPaused,
    drafts,
    symbols,
    symbolSource,
    loaded,
    saving,
    error,
    hostProblems,
    lastSave,
    removed,
    rawSets,
    dirty,
    problems,
    blocking,
    allocationSum,
    overAllocated,
    canSave,
    problemsAt,
    setField,
    setEnabled,
    addSet,
    removeSet,
    undoRemove,
    revert,
    refresh,
    save,
    importJson,
    exportJson,
    download,
  };
});
