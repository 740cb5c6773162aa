import { formatMoney, formatPercent, formatSignedMoney } from '../../../shared/money/format';

export const DASH = '—';

/** "$1000.00" for dollar-like quote assets, "0.01234567 BTC" otherwise. */
export function money(amount: string | number | null | undefined, quoteAsset: string): string {
  if (amount === null || amount === undefined || amount === '') return DASH;
  return formatMoney(amount, quoteAsset);
}

/** "+$12.34" / "-$5.00". */
export function signedMoney(amount: string | number | null | undefined, quoteAsset: string): string {
  if (amount === null || amount === undefined || amount === '') return DASH;
  return formatSignedMoney(Number(amount), quoteAsset);
}

export function percent(p: number | null | undefined, maxDecimals = 2): string {
  return p === null || p === undefined || !Number.isFinite(p) ? DASH : formatPercent(p, maxDecimals);
}

export function signedPercent(p: number | null | undefined, maxDecimals = 2): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return DASH;
  return `${p > 0 ? '+' : ''}${formatPercent(p, maxDecimals)}`;
}

/** A decimal string as the exchange wrote it, without trailing zeros: "42940.60000000" -> "42940.6". */
export function decimal(s: string | null | undefined): string {
  if (s === null || s === undefined || s === '') return DASH;
  if (!s.includes('.')) return s;
  const trimmed = s.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time "2024-01-15 02:34:10". */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "2d 3h", "3h 12m", "12m 5s", "5s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** The sign of a decimal string or number, for colouring PnL. */
export function signClass(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '';
  const n = Number(v);
  return n > 0 ? 'pos' : n < 0 ? 'neg' : '';
}
