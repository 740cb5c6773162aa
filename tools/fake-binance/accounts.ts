import { createPublicKey, type KeyObject } from 'node:crypto';
import { Decimal, ZERO } from '../../electron/core/money/decimal';
import { BinanceError } from './router';
import { authErrors, checkKeyFormat } from './signing';

/**
 * The fake exchange's accounts: one API key each, of one of Binance's three key types (HMAC with a
 * shared secret, or an RSA or Ed25519 public key whose private half signs the requests:
 * faqs/api_key_types.md), balances (free and locked, as decimals), the key's API restrictions as GET
 * /sapi/v1/account/apiRestrictions reports them, commission rates, and whether commission is paid
 * in BNB. Balances change only through the matching engine (and setBalance in tests).
 */

/** Binance's API key types: HMAC-SHA256, RSA (RSASSA-PKCS1-v1_5 with SHA-256), Ed25519. */
export type KeyType = 'hmac' | 'rsa' | 'ed25519';

/** GET /sapi/v1/account/apiRestrictions, per key. Only enableReading and enableSpotAndMarginTrading are enforced. */
export interface ApiRestrictions {
  ipRestrict: boolean;
  createTime: number;
  enableReading: boolean;
  enableWithdrawals: boolean;
  enableInternalTransfer: boolean;
  enableMargin: boolean;
  enableFutures: boolean;
  permitsUniversalTransfer: boolean;
  enableVanillaOptions: boolean;
  enableFixApiTrade: boolean;
  enableFixReadOnly: boolean;
  enableSpotAndMarginTrading: boolean;
  enablePortfolioMarginTrading: boolean;
}

export interface CommissionRates {
  /** Fraction of the received amount, e.g. "0.001" for 0.1 %. */
  maker: string;
  taker: string;
}

export interface FakeAccountOptions {
  apiKey: string;
  /** The HMAC secret (an HMAC key); omit it for an RSA or Ed25519 key. */
  apiSecret?: string;
  /**
   * The public key (PEM, SPKI) of an RSA or Ed25519 API key, instead of an HMAC secret: requests
   * are then signed with its private key (rest-api.md "SIGNED Endpoint Examples": RSA keys,
   * Ed25519 keys). The type is read from the key itself.
   */
  publicKeyPem?: string;
  /**
   * Pay commission in BNB at a 25 % discount when the free BNB balance covers it
   * (faqs/commission_faq.md); default false (commission in the received asset).
   */
  bnbBurn?: boolean;
  /** Free balances at the start, e.g. { USDT: '1000' }. */
  balances?: Readonly<Record<string, string>>;
  restrictions?: Partial<ApiRestrictions>;
  /** The account's canTrade flag; false rejects orders with -2010 "This account may not place or cancel orders." */
  canTrade?: boolean;
  /** Overrides the exchange-wide commission rates for this account. */
  commission?: Partial<CommissionRates>;
}

/** Test values, clearly fake: printed by `npm run fake-binance` and usable in manual runs. */
export const EXAMPLE_ACCOUNT: FakeAccountOptions = {
  apiKey: 'FAKEbinanceTESTkeyNotARealKey000000000000000000000000000000000001',
  apiSecret: 'FAKEbinanceTESTsecretNotARealSecret00000000000000000000000000001',
  balances: { USDT: '10000' },
};

export const DEFAULT_COMMISSION: CommissionRates = { maker: '0.001', taker: '0.001' };

export interface Balance {
  free: Decimal;
  locked: Decimal;
}

export interface BalanceSnapshot {
  free: string;
  locked: string;
}

let nextUid = 100_000_001;

export class Account {
  readonly apiKey: string;
  readonly keyType: KeyType;
  /** The HMAC secret (HMAC keys only). */
  readonly secret: string | undefined;
  /** The public key (RSA and Ed25519 keys only). */
  readonly publicKey: KeyObject | undefined;
  readonly uid = nextUid++;
  readonly restrictions: ApiRestrictions;
  canTrade: boolean;
  /** Commission paid in BNB when the free BNB covers it (GET /api/v3/account/commission discount.enabledForAccount). */
  bnbBurn: boolean;
  readonly commission: { maker: Decimal; taker: Decimal };
  updateTime = 0;
  private readonly balances = new Map<string, Balance>();

  constructor(options: FakeAccountOptions, defaults: CommissionRates, createTime: number) {
    this.apiKey = options.apiKey;
    if ((options.apiSecret === undefined) === (options.publicKeyPem === undefined))
      throw new Error(
        `fake-binance: account ${options.apiKey} needs either apiSecret (HMAC) or publicKeyPem (RSA, Ed25519)`,
      );
    this.secret = options.apiSecret;
    if (options.publicKeyPem !== undefined) {
      this.publicKey = createPublicKey(options.publicKeyPem);
      const type = this.publicKey.asymmetricKeyType;
      if (type !== 'rsa' && type !== 'ed25519')
        throw new Error(
          `fake-binance: account ${options.apiKey}: Binance takes RSA or Ed25519 keys, not ${String(type)}`,
        );
      this.keyType = type;
    } else {
      this.keyType = 'hmac';
    }
    this.canTrade = options.canTrade ?? true;
    this.bnbBurn = options.bnbBurn ?? false;
    this.restrictions = {
      ipRestrict: false,
      createTime,
      enableReading: true,
      enableWithdrawals: false,
      enableInternalTransfer: false,
      enableMargin: false,
      enableFutures: false,
      permitsUniversalTransfer: false,
      enableVanillaOptions: false,
      enableFixApiTrade: false,
      enableFixReadOnly: false,
      enableSpotAndMarginTrading: true,
      enablePortfolioMarginTrading: false,
      ...options.restrictions,
    };
    this.commission = {
      maker: new Decimal(options.commission?.maker ?? defaults.maker),
      taker: new Decimal(options.commission?.taker ?? defaults.taker),
    };
    for (const [asset, free] of Object.entries(options.balances ?? {})) this.setFree(asset, new Decimal(free));
  }

  balance(asset: string): Balance {
    let b = this.balances.get(asset);
    if (!b) this.balances.set(asset, (b = { free: ZERO, locked: ZERO }));
    return b;
  }

  free(asset: string): Decimal {
    return this.balances.get(asset)?.free ?? ZERO;
  }

  setFree(asset: string, free: Decimal): void {
    this.balance(asset).free = free;
  }

  /** Moves an amount from free to locked (the caller checked that it is there). */
  lock(asset: string, amount: Decimal): void {
    const b = this.balance(asset);
    b.free = b.free.sub(amount);
    b.locked = b.locked.add(amount);
  }

  unlock(asset: string, amount: Decimal): void {
    const b = this.balance(asset);
    b.locked = b.locked.sub(amount);
    b.free = b.free.add(amount);
  }

  spendFree(asset: string, amount: Decimal): void {
    const b = this.balance(asset);
    b.free = b.free.sub(amount);
  }

  spendLocked(asset: string, amount: Decimal): void {
    const b = this.balance(asset);
    b.locked = b.locked.sub(amount);
  }

  credit(asset: string, amount: Decimal): void {
    const b = this.balance(asset);
    b.free = b.free.add(amount);
  }

  assets(): string[] {
    return [...this.balances.keys()];
  }

  snapshot(): Record<string, BalanceSnapshot> {
    const out: Record<string, BalanceSnapshot> = {};
    for (const [asset, b] of this.balances) out[asset] = { free: b.free.toFixed(8), locked: b.locked.toFixed(8) };
    return out;
  }
}

export class AccountBook {
  private readonly byKey = new Map<string, Account>();

  constructor(
    accounts: readonly FakeAccountOptions[],
    private readonly defaults: CommissionRates,
    private readonly clock: () => number,
  ) {
    for (const a of accounts) this.add(a);
  }

  add(options: FakeAccountOptions): Account {
    checkKeyFormat(options.apiKey);
    if (this.byKey.has(options.apiKey)) throw new Error(`fake-binance: API key ${options.apiKey} is already taken`);
    const account = new Account(options, this.defaults, this.clock());
    this.byKey.set(options.apiKey, account);
    return account;
  }

  get(apiKey: string): Account | undefined {
    return this.byKey.get(apiKey);
  }

  /** The account behind a key, or -2014 / -2015 as Binance answers. */
  require(apiKey: string | undefined): Account {
    const account = this.byKey.get(checkKeyFormat(apiKey));
    if (!account) throw authErrors.rejectedKey();
    return account;
  }

  /** Throws test-facing errors for unknown keys (inspection API). */
  expect(apiKey: string): Account {
    const account = this.byKey.get(apiKey);
    if (!account) throw new Error(`fake-binance: no account with API key ${apiKey}`);
    return account;
  }

  all(): Account[] {
    return [...this.byKey.values()];
  }
}

/** -2015 when the key may not do this (reading or spot trading disabled in its restrictions). */
export function requirePermission(account: Account, need: 'read' | 'trade'): void {
  if (!account.restrictions.enableReading) throw authErrors.rejectedKey();
  if (need === 'trade' && !account.restrictions.enableSpotAndMarginTrading) throw authErrors.rejectedKey();
}

export function cannotTrade(): BinanceError {
  return new BinanceError(400, -2010, 'This account may not place or cancel orders.');
}
