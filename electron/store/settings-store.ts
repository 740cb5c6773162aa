import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { ParameterSetInput } from '../../shared/params/schema';
import { runMigrations, type Migration } from './migrations';

/**
 * The desktop app's and the headless host's own settings, in `<dataDir>/tranche.sqlite` (not a
 * ledger: no lock, several processes may read and write it): the parameter sets as the trader
 * wrote them, the paper trading settings, and which ledger was traded last. Its schema has its own
 * migrations, recorded in its own schema_migrations table, with the ledger's rules: append only.
 */
const SETTINGS_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'parameter sets, settings and the last ledger',
    sql: `
      CREATE TABLE parameter_sets (
        position   INTEGER PRIMARY KEY,
        json       TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
];

/** Trading settings: the paper account's (money as decimal strings) and the engine's grace period. */
export interface PaperSettings {
  paperBalance: string;
  feeRate: string;
  slippageBps: number;
  /**
   * Seconds a triggered stop-limit may rest unfilled, the price below its limit, before the rest is
   * sold at market (a gapped stop); the same for a take-profit that started filling and stalled.
   */
  stopGraceSeconds: number;
}

const DEFAULT_PAPER_SETTINGS: PaperSettings = {
  paperBalance: '1000',
  feeRate: '0.001',
  slippageBps: 5,
  stopGraceSeconds: 10,
};

/** Where the desktop app sends alerts (the same fields as the CLI's --telegram-chat and --alert-webhook). */
export interface AlertSettings {
  telegramChatId?: string;
  telegramApiUrl?: string;
  webhookUrl?: string;
}

/** The ledger the host traded last: read when nothing runs (positions, history, emergency stop). */
export interface LastLedger {
  file: string;
  mode: 'paper' | 'live';
  /** 'binance' or 'replay' for paper; the Binance environment for live. */
  environment: string;
  /** 'binance' or 'replay:DIR'. */
  market: string;
}

export class SettingsStore {
  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  /**
   * Opens (creating if needed) the settings database. A new one gets `seedSets` as its parameter
   * sets (the seed's config/live-params.json): seeding happens once, recorded in the settings table.
   */
  static open(file: string, seedSets: readonly ParameterSetInput[]): SettingsStore {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file, { timeout: 5000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      runMigrations(db, SETTINGS_MIGRATIONS);
      const store = new SettingsStore(path.resolve(file), db);
      db.transaction(() => {
        if (store.get('seeded') !== undefined) return;
        store.writeSets(seedSets);
        store.put('seeded', new Date().toISOString());
      }).immediate();
      return store;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  parameterSets(): ParameterSetInput[] {
    const rows = this.db.prepare('SELECT json FROM parameter_sets ORDER BY position').all() as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as ParameterSetInput);
  }

  /** Replaces every parameter set (the caller validated them as a whole). */
  saveParameterSets(sets: readonly ParameterSetInput[]): void {
    this.db.transaction(() => this.writeSets(sets)).immediate();
  }

  paperSettings(): PaperSettings {
    const raw = this.get('paper');
    if (raw === undefined) return { ...DEFAULT_PAPER_SETTINGS };
    return { ...DEFAULT_PAPER_SETTINGS, ...(JSON.parse(raw) as Partial<PaperSettings>) };
  }

  savePaperSettings(settings: PaperSettings): void {
    this.put('paper', JSON.stringify(settings));
  }

  /** Where alerts go (chat, webhook); the bot's token is in the keychain, not here. */
  alertSettings(): AlertSettings {
    const raw = this.get('alerts');
    return raw === undefined ? {} : (JSON.parse(raw) as AlertSettings);
  }

  saveAlertSettings(settings: AlertSettings): void {
    this.put('alerts', JSON.stringify(settings));
  }

  lastLedger(): LastLedger | undefined {
    const raw = this.get('last_ledger');
    return raw === undefined ? undefined : (JSON.parse(raw) as LastLedger);
  }

  saveLastLedger(ledger: LastLedger): void {
    this.put('last_ledger', JSON.stringify(ledger));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private writeSets(sets: readonly ParameterSetInput[]): void {
    const now = new Date().toISOString();
    this.db.prepare('DELETE FROM parameter_sets').run();
    const insert = this.db.prepare('INSERT INTO parameter_sets (position, json, updated_at) VALUES (?, ?, ?)');
    sets.forEach((set, i) => insert.run(i, JSON.stringify(set), now));
  }

  private get(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  private put(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }
}
