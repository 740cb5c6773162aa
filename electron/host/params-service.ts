import type { SettingsDto } from '../../shared/ipc/contract';
import {
  PARAMETER_LIMITS,
  validateParameterFile,
  type ParameterProblem,
  type ParameterSet,
  type ParameterSetInput,
} from '../../shared/params/schema';
import { PAPER_BALANCE_MAX, PAPER_BALANCE_MIN } from '../../shared/params/paper-limits';
import { Decimal } from '../core/money/decimal';
import type { SettingsStore } from '../store/settings-store';
import { HostError } from './host-error';
import { depthProblem } from '../../shared/params/json-limits';
import { describeJsonSyntaxError } from '../../shared/params/json-syntax';

/** The sum of enabled allocations, as the validation counts it (what the editor shows against 100%). */
function allocationSum(sets: readonly unknown[]): number {
  let sum = 0;
  for (const raw of sets) {
    if (typeof raw !== 'object' || raw === null) continue;
    const r = raw as { enabled?: unknown; allocationPercent?: unknown };
    const enabled = r.enabled === undefined ? true : r.enabled === true;
    const a = r.allocationPercent;
    // Out-of-range values are the validation's problems; they do not count (1e302 would overflow the sum).
    if (enabled && typeof a === 'number' && a >= PARAMETER_LIMITS.allocationMin && a <= 100) sum += a;
  }
  return Math.round(sum * 1e6) / 1e6;
}

function validateSets(
  sets: readonly unknown[],
): { ok: true; sets: ParameterSet[]; quoteAsset: string } | { ok: false; problems: ParameterProblem[] } {
  return validateParameterFile({ parameterSets: sets });
}

/**
 * Parameter sets and paper settings, kept in the settings database. Sets are stored as the trader
 * wrote them (optional fields left out stay out), and only ever as a whole file that passed
 * validation.
 */
export class ParamsService {
  constructor(
    private readonly store: SettingsStore,
    private readonly dataDir: string,
  ) {}

  get(): { sets: ParameterSetInput[] } {
    return { sets: this.store.parameterSets() };
  }

  /** The stored sets with defaults filled in, ready to trade; throws when the stored file is not valid. */
  tradable(): { sets: ParameterSet[]; quoteAsset: string } {
    const v = validateSets(this.store.parameterSets());
    if (!v.ok) {
      throw new HostError(
        'failed',
        `the saved parameter sets are not valid (${v.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}); fix them in the parameter editor`,
      );
    }
    return { sets: v.sets, quoteAsset: v.quoteAsset };
  }

  validate(sets: readonly unknown[]): { ok: boolean; problems: ParameterProblem[]; allocationSum: number } {
    const v = validateSets(sets);
    return { ok: v.ok, problems: v.ok ? [] : v.problems, allocationSum: allocationSum(sets) };
  }

  /** Saves a whole file of sets when it is valid; nothing is saved otherwise. */
  save(sets: readonly unknown[]): { saved: boolean; problems: ParameterProblem[] } {
    const v = validateSets(sets);
    if (!v.ok) return { saved: false, problems: v.problems };
    this.store.saveParameterSets(sets as ParameterSetInput[]);
    return { saved: true, problems: [] };
  }

  /** Reads a parameter file (the seed's JSON shape) for the editor; nothing is saved. */
  import(json: string): { sets: unknown[]; problems: ParameterProblem[] } {
    const deep = depthProblem(json, 'the file');
    if (deep) return { sets: [], problems: [{ path: '(root)', message: deep }] };
    const text = json.replace(/^\uFEFF/, '');
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      // "not valid JSON at line 3, column 14: Expected ',' or '}' after property value"
      return { sets: [], problems: [{ path: '(root)', message: describeJsonSyntaxError(text, e).message }] };
    }
    const list =
      typeof data === 'object' && data !== null && Array.isArray((data as { parameterSets?: unknown }).parameterSets)
        ? ((data as { parameterSets: unknown[] }).parameterSets as unknown[])
        : [];
    const v = validateParameterFile(data);
    // The sets go back to the editor to be fixed there, but never more than a file may hold.
    return { sets: list.length <= PARAMETER_LIMITS.maxSets ? list : [], problems: v.ok ? [] : v.problems };
  }

  export(now = new Date()): { json: string; filename: string } {
    const json = `${JSON.stringify({ parameterSets: this.store.parameterSets() }, null, 2)}\n`;
    return { json, filename: `tranche-parameter-sets-${now.toISOString().slice(0, 10)}.json` };
  }

  settings(): SettingsDto {
    return { ...this.store.paperSettings(), dataDir: this.dataDir };
  }

  saveSettings(change: Partial<Omit<SettingsDto, 'dataDir'>>): SettingsDto {
    const next = { ...this.store.paperSettings(), ...definedOnly(change) };
    const balance = new Decimal(next.paperBalance);
    if (balance.lt(PAPER_BALANCE_MIN) || balance.gt(PAPER_BALANCE_MAX))
      throw new HostError(
        'failed',
        `paperBalance must be from ${PAPER_BALANCE_MIN} to ${PAPER_BALANCE_MAX} (quote asset)`,
      );
    const fee = new Decimal(next.feeRate);
    if (fee.lt(0) || fee.gte(0.1))
      throw new HostError('failed', 'feeRate must be a fraction from 0 to below 0.1 (0.001 = 0.1%)');
    this.store.savePaperSettings({
      paperBalance: balance.toFixed(),
      feeRate: fee.toFixed(),
      slippageBps: next.slippageBps,
      stopGraceSeconds: next.stopGraceSeconds,
    });
    return this.settings();
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
