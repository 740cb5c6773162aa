import { Decimal } from '../core/money/decimal';

/**
 * Conversions between record fields and SQLite column values, shared by the ledger and paper
 * stores. Decimals travel as TEXT in plain notation (toFixed), so they come back digit for digit;
 * optional fields travel as NULL.
 */

export type SqlText = string | null;

export function decText(d: Decimal): string {
  return d.toFixed();
}

export function optDecText(d: Decimal | undefined): SqlText {
  return d === undefined ? null : d.toFixed();
}

export function textDec(s: string): Decimal {
  return new Decimal(s);
}

export function optTextDec(s: SqlText): Decimal | undefined {
  return s === null ? undefined : new Decimal(s);
}

export function opt<T>(v: T | null): T | undefined {
  return v === null ? undefined : v;
}

export function orNull<T>(v: T | undefined): T | null {
  return v === undefined ? null : v;
}

/** Copies the entries of `fields` whose value is not undefined, so absent stays absent. */
export function defined<T extends object>(fields: T): T {
  const out = {} as T;
  for (const key of Object.keys(fields) as (keyof T)[]) {
    if (fields[key] !== undefined) out[key] = fields[key];
  }
  return out;
}

/** better-sqlite3 takes -1 as "no limit". */
export function sqlLimit(limit: number | undefined): number {
  if (limit === undefined) return -1;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
  return limit;
}

/**
 * `INSERT ... ON CONFLICT(key) DO UPDATE` over named parameters (@column). Deliberately not
 * INSERT OR REPLACE: REPLACE resolves a conflict on *any* unique index by deleting the other row,
 * which on `positions` would silently delete the live position the partial index protects.
 */
export function upsertSql(table: string, columns: readonly string[], key: readonly string[]): string {
  const updates = columns.filter((c) => !key.includes(c)).map((c) => `${c} = excluded.${c}`);
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')}) ` +
    `ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`
  );
}

/**
 * JSON for a free-form column. Never throws: an event log write must not fail the trading path
 * because its payload holds a BigInt or a cycle.
 */
export function safeJson(value: unknown): string | null {
  if (value === undefined) return null;
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return json === undefined ? null : json;
  } catch (err) {
    return JSON.stringify({ unserializable: err instanceof Error ? err.message : String(err) });
  }
}
