/** The paper account's starting balance, in its quote asset: what the CLI and the desktop accept. */
export const PAPER_BALANCE_MIN = 1;
export const PAPER_BALANCE_MAX = 1_000_000_000;
