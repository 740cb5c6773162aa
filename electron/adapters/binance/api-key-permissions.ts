import { createSignedRestClient } from './client-factory';
import type { ApiCredentials } from '../../core/ports/secret-store';

/** The REST bases whose API keys Tranche knows; other environments name theirs (--binance-rest-url). */
const KNOWN_REST_BASES: Readonly<Record<string, string>> = {
  live: 'https://api.binance.com',
  testnet: 'https://testnet.binance.vision',
};

/** The REST base to check an environment's key against: the override, else live/testnet's own, else none. */
export function restBaseFor(environment: string, override?: string): string | undefined {
  const base = override ?? KNOWN_REST_BASES[environment];
  return base?.replace(/\/+$/, '');
}

const PERMISSIONS_PATH = '/sapi/v1/account/apiRestrictions';

/** What Binance says the key may do (GET /sapi/v1/account/apiRestrictions), the fields Tranche reads. */
interface KeyPermissions {
  enableReading: boolean;
  enableSpotAndMarginTrading: boolean;
  enableWithdrawals: boolean;
  ipRestrict: boolean;
}

export type PermissionCheck =
  | { checked: true; permissions: KeyPermissions }
  | {
      checked: false;
      /** why not, without the key */
      reason: string;
      /** Binance refused the key itself (-1022 bad signature: a secret that is not this key's; -2014, -2015). */
      refused?: boolean;
    };

/** What GET /api/v3/account says of the key's account (every environment has it, the testnet too). */
type AccountCheck =
  | { ok: true; canTrade: boolean; accountType: string; permissions: string[]; assets: number }
  | { ok: false; reason: string; refused: boolean };

/** A key tried on Binance: its account (signed, so a wrong secret shows) and its permissions. */
export interface KeyTest {
  account: AccountCheck;
  permissions: PermissionCheck;
}

/** The parts of an axios error we read (the client runs with parseExceptions off). Never logged whole: it holds the key header. */
interface HttpFailure {
  code?: string;
  message?: string;
  status?: number;
  data?: unknown;
  response?: { status?: number; data?: unknown };
}

function redact(text: string, creds: ApiCredentials): string {
  let out = text;
  for (const s of [creds.apiKey, creds.apiSecret]) if (s) out = out.split(s).join('[redacted]');
  return out.replace(/\s+/g, ' ').trim();
}

function failureReason(e: unknown, base: string, timeoutMs: number): string {
  const f = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as HttpFailure;
  // An axios error carries the answer in .response; a non-200 success is thrown as the answer itself.
  const answer = f.response ?? (typeof f.status === 'number' ? { status: f.status, data: f.data } : undefined);
  const status = answer?.status;
  if (status !== undefined) {
    const data = answer?.data as { code?: unknown; msg?: unknown } | undefined;
    const code = typeof data?.code === 'number' ? data.code : undefined;
    const msg = typeof data?.msg === 'string' ? data.msg : '';
    if (code === -1022)
      return `Binance refused the key (${code} ${msg}): the secret does not belong to this key; copy both again from Binance (API Management)`;
    if (code === -2014 || code === -2015) {
      return `Binance refused the key (${code} ${msg}): check that it was copied whole, and that this machine's IP is on the key's whitelist`;
    }
    if (code === -1021) return `this computer's clock is out of step with Binance's (${code} ${msg})`;
    if (code !== undefined) return `${base} answered ${code} ${msg} (HTTP ${status})`;
    if (status === 404)
      return `${base} does not offer GET ${PERMISSIONS_PATH} (HTTP 404; Binance's testnet has no /sapi endpoints)`;
    return `${base} answered HTTP ${status}`;
  }
  if (f.code === 'ECONNABORTED' || f.code === 'ETIMEDOUT' || /timeout/i.test(f.message ?? '')) {
    return `${base} did not answer within ${timeoutMs / 1000} s`;
  }
  return `${base} could not be reached (${f.code ?? f.message ?? 'unknown error'})`;
}

function parsePermissions(body: unknown): KeyPermissions | undefined {
  const b = body as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null) return undefined;
  const flags = ['enableReading', 'enableSpotAndMarginTrading', 'enableWithdrawals', 'ipRestrict'] as const;
  // Withdrawals must be stated; a missing flag is read as false for the others (Binance always sends them).
  if (typeof b.enableWithdrawals !== 'boolean') return undefined;
  const out = {} as KeyPermissions;
  for (const f of flags) out[f] = b[f] === true;
  return out;
}

/** Whether a failure is Binance refusing the key itself (bad signature, bad key, not allowed from this IP). */
function refusedKey(e: unknown): boolean {
  const f = (typeof e === 'object' && e !== null ? e : {}) as HttpFailure;
  const answer = f.response ?? (typeof f.status === 'number' ? { status: f.status, data: f.data } : undefined);
  const code = (answer?.data as { code?: unknown } | undefined)?.code;
  return code === -1022 || code === -2014 || code === -2015;
}

/**
 * Tries a key on Binance: GET /api/v3/account (signed: a secret that is not the key's is refused
 * -1022 there, on every environment) and the permission check below, both through the `binance`
 * MainClient. Never throws; says nothing of the key or the secret.
 */
export async function testApiKey(
  creds: ApiCredentials,
  opts: { restBaseUrl: string; timeoutMs?: number },
): Promise<KeyTest> {
  const base = opts.restBaseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let account: AccountCheck;
  try {
    const client = createSignedRestClient(base, creds, timeoutMs);
    const a = (await client.getAccountInformation()) as unknown as Record<string, unknown>;
    account = {
      ok: true,
      canTrade: a.canTrade === true,
      accountType: typeof a.accountType === 'string' ? a.accountType : 'unknown',
      permissions: Array.isArray(a.permissions) ? a.permissions.filter((p): p is string => typeof p === 'string') : [],
      assets: Array.isArray(a.balances) ? a.balances.length : 0,
    };
  } catch (e) {
    account = { ok: false, reason: redact(failureReason(e, base, timeoutMs), creds), refused: refusedKey(e) };
  }
  return { account, permissions: await checkApiKeyPermissions(creds, opts) };
}

/**
 * Asks Binance what the key may do: GET /sapi/v1/account/apiRestrictions (signed) through the
 * `binance` MainClient (getApiKeyPermissions) at `restBaseUrl`. Never throws: when the check cannot
 * be made (unreachable, no such endpoint as on the testnet, key refused) it says why, without the key.
 */
export async function checkApiKeyPermissions(
  creds: ApiCredentials,
  opts: { restBaseUrl: string; timeoutMs?: number },
): Promise<PermissionCheck> {
  const base = opts.restBaseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  try {
    const client = createSignedRestClient(base, creds, timeoutMs);
    const body: unknown = await client.getApiKeyPermissions();
    const permissions = parsePermissions(body);
    if (!permissions) return { checked: false, reason: `${base} gave an answer without the permission flags` };
    return { checked: true, permissions };
  } catch (e) {
    return { checked: false, reason: redact(failureReason(e, base, timeoutMs), creds), refused: refusedKey(e) };
  }
}

export interface PermissionVerdict {
  /** Set when the key must not be stored: why. */
  refuse?: string;
  /** What would store it anyway: insisting (Binance refused the key) or allowing withdrawals. */
  override?: 'insist' | 'allow-withdrawals';
  /** Things the user must know (the key is stored nonetheless). */
  warnings: string[];
  /** Advice. */
  notes: string[];
}

/**
 * What a key test means for storing the key: a key Binance refuses is not stored unless the user
 * insists (`insist`); then the permission verdict below.
 */
export function judgeKeyTest(t: KeyTest, opts: { allowWithdrawals: boolean; insist: boolean }): PermissionVerdict {
  const refused = (!t.account.ok && t.account.refused) || (!t.permissions.checked && t.permissions.refused === true);
  const why = !t.account.ok ? t.account.reason : !t.permissions.checked ? t.permissions.reason : '';
  if (refused && !opts.insist) return { refuse: why, override: 'insist', warnings: [], notes: [] };
  const verdict = judgePermissions(t.permissions, opts);
  if (refused) verdict.warnings.unshift(`stored although Binance refused it, because you insisted: ${why}`);
  else if (!t.account.ok) verdict.warnings.unshift(`the account could not be read: ${t.account.reason}`);
  else if (!t.account.canTrade)
    verdict.warnings.unshift(
      'Binance says this account cannot trade now (canTrade is false): Tranche could not place orders.',
    );
  return verdict;
}

/** What a permission check means for storing the key. */
export function judgePermissions(check: PermissionCheck, opts: { allowWithdrawals: boolean }): PermissionVerdict {
  if (!check.checked) {
    return {
      warnings: [
        `the key's permissions were not checked: ${check.reason}. Make sure on Binance (API Management) that it cannot withdraw and that spot trading is enabled.`,
      ],
      notes: [],
    };
  }
  const p = check.permissions;
  const warnings: string[] = [];
  const notes: string[] = [];
  if (p.enableWithdrawals) {
    if (!opts.allowWithdrawals) {
      return {
        refuse:
          "this API key can withdraw funds (enableWithdrawals is on). Tranche never withdraws: on Binance (API Management) untick 'Enable Withdrawals' for this key, or create a key without it",
        override: 'allow-withdrawals',
        warnings,
        notes,
      };
    }
    warnings.push(
      'this API key can withdraw funds (enableWithdrawals is on): stored because you allowed it. Tranche never withdraws, but anyone who obtains the key could.',
    );
  }
  if (!p.enableSpotAndMarginTrading) {
    warnings.push(
      "spot trading is not enabled on this key (enableSpotAndMarginTrading is off): Tranche can read the account but cannot place orders. Tick 'Enable Spot & Margin Trading' on Binance (API Management).",
    );
  }
  if (!p.enableReading) warnings.push('this key cannot read the account (enableReading is off): Tranche needs it.');
  if (!p.ipRestrict)
    notes.push("the key is not restricted to trusted IPs: Binance recommends adding this machine's IP.");
  return { warnings, notes };
}

/** A key test in words (the CLI's `keys test` and the Settings screen's "Test key" say the same). */
export function keyTestLines(t: KeyTest): string[] {
  const onOff = (b: boolean) => (b ? 'on' : 'off');
  const lines: string[] = [];
  if (t.account.ok)
    lines.push(
      `Account: ${t.account.accountType}, trading ${t.account.canTrade ? 'allowed' : 'NOT allowed'}, permissions ${t.account.permissions.join(', ') || 'none listed'}, ${t.account.assets} asset(s)`,
    );
  else lines.push(`Account: not read: ${t.account.reason}`);
  if (t.permissions.checked) {
    const p = t.permissions.permissions;
    lines.push(
      `Permissions: reading ${onOff(p.enableReading)}, spot trading ${onOff(p.enableSpotAndMarginTrading)}, withdrawals ${onOff(p.enableWithdrawals)}, IP restricted ${onOff(p.ipRestrict)}`,
    );
  } else lines.push(`Permissions: not checked: ${t.permissions.reason}`);
  return lines;
}
