import type { CheckName } from './checks';

/** What a chaos run counts and prints at the end (and saves as JSON). */

export interface Violation {
  step: number;
  seed: number;
  /** ms since the run started. */
  atMs: number;
  check: CheckName;
  detail: string;
}

export interface ChaosFigures {
  seed: number;
  symbols: number;
  minutes: number;
  steps: number;
  faults: Record<string, number>;
  faultsTotal: number;
  kills: number;
  restarts: number;
  entries: number;
  closedTrades: number;
  checks: number;
  settledChecks: number;
  buysRefusedForBalance: number;
  lateSalesRefused: number;
  /** Why the other checks found the ledger unsettled (the first difference seen), and how often. */
  unsettledBy: Record<string, number>;
  wallMs: number;
  violationCount: number;
  violations: Violation[];
}

export function formatFigures(f: ChaosFigures): string {
  const lines = [
    `chaos seed ${f.seed}: ${f.symbols} symbols, ${f.minutes} market minutes, ${(f.wallMs / 1000).toFixed(1)} s`,
    `  steps           ${f.steps}`,
    `  faults injected ${f.faultsTotal}`,
    ...Object.entries(f.faults)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `    ${k.padEnd(30)} ${n}`),
    `  kills           ${f.kills}`,
    `  restarts        ${f.restarts}`,
    `  entries         ${f.entries}`,
    `  closed trades   ${f.closedTrades}`,
    `  checks          ${f.checks} (${f.settledChecks} settled: quote balance compared)`,
    ...Object.entries(f.unsettledBy).map(([why, n]) => `    unsettled: ${why} (${n})`),
    `  refused for balance: ${f.buysRefusedForBalance} buys, ${f.lateSalesRefused} late-run sales already replaced`,
    `  violations      ${f.violationCount}`,
    ...f.violations.map((v) => `    step ${v.step} (+${v.atMs} ms) ${v.check}: ${v.detail}`),
  ];
  return lines.join('\n');
}
