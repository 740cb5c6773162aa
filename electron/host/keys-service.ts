import type { KeyStatusDto } from '../../shared/ipc/contract';
import { maskKey } from '../../shared/secrets/mask-key';
import { judgeKeyTest, keyTestLines, testApiKey, type KeyTest } from '../adapters/binance/api-key-permissions';
import type { EnvSecretStore } from '../adapters/secrets/env-secret-store';
import { KeychainUnavailableError } from '../adapters/secrets/keytar-secret-store';
import { credentialsProblem, type SecretStore } from '../core/ports/secret-store';
import { HostError } from './host-error';

/** The keychain as the host uses it: a SecretStore that can say whether it is reachable at all. */
export type Keychain = SecretStore & { probe?(): Promise<void> };

export interface KeyStores {
  keychain: Keychain;
  env: EnvSecretStore;
}

/** Environments always listed, with or without a key. */
const LISTED = ['live', 'testnet'];

/**
 * keys.*: API keys are written and deleted, never read back. Every answer carries the key masked
 * (last 4 characters) and never the secret. Where to check a key's permissions comes from
 * `restBaseOf` (live and testnet know theirs; a custom environment needs its REST URL).
 */
export class KeysService {
  constructor(
    private readonly stores: KeyStores,
    private readonly restBaseOf: (environment: string) => string | undefined,
    /** Custom environments the host is configured with: listed like live and testnet. */
    private readonly configured: readonly string[] = [],
  ) {}

  async status(): Promise<KeyStatusDto[]> {
    const { keychain, env } = this.stores;
    const fromEnv = env.isSet() ? await env.get('live').catch(() => undefined) : undefined;
    let stored: string[];
    try {
      stored = await keychain.environments();
    } catch (e) {
      if (!(e instanceof KeychainUnavailableError) || !fromEnv) throw e;
      stored = [];
    }
    const names = [...new Set([...LISTED, ...this.configured, ...stored])].sort();
    const out: KeyStatusDto[] = [];
    for (const environment of names) {
      if (fromEnv) {
        out.push({ environment, configured: true, maskedKey: maskKey(fromEnv.apiKey), source: 'environment' });
        continue;
      }
      if (!stored.includes(environment)) {
        out.push({ environment, configured: false, maskedKey: null, source: null });
        continue;
      }
      let masked: string | null = null;
      try {
        const creds = await keychain.get(environment);
        masked = creds ? maskKey(creds.apiKey) : null;
      } catch (e) {
        if (e instanceof KeychainUnavailableError) throw e;
        masked = null; // an entry that is not a Tranche key pair: listed, but nothing to show
      }
      out.push({ environment, configured: true, maskedKey: masked, source: 'keychain' });
    }
    return out;
  }

  async set(input: {
    environment: string;
    apiKey: string;
    apiSecret: string;
    allowWithdrawals?: boolean | undefined;
    /** Store it although Binance refused it (-1022, -2014, -2015): the user is sure. */
    insist?: boolean | undefined;
  }): Promise<{ keys: KeyStatusDto[]; warnings: string[] }> {
    const { keychain, env } = this.stores;
    const creds = { apiKey: input.apiKey.trim(), apiSecret: input.apiSecret.trim() };
    const problem = credentialsProblem(creds);
    if (problem) throw new HostError('failed', `not stored: ${problem}`);
    await keychain.probe?.();
    const test = await this.tryKey(input.environment, creds);
    const verdict = judgeKeyTest(test, {
      allowWithdrawals: input.allowWithdrawals === true,
      insist: input.insist === true,
    });
    if (verdict.refuse) {
      throw new HostError(
        verdict.override === 'insist' ? 'confirmation-required' : 'failed',
        `not stored: ${verdict.refuse}. ${verdict.override === 'insist' ? 'If you are sure the key is right, store it anyway.' : 'To store it anyway, allow withdrawals explicitly.'} Nothing was stored.`,
      );
    }
    await keychain.set(input.environment, creds);
    const warnings = [...verdict.warnings, ...verdict.notes];
    if (env.isSet()) {
      warnings.push(
        'BINANCE_API_KEY / BINANCE_API_SECRET are set in the environment of this process: while they are, they are used instead of the keychain.',
      );
    }
    return { keys: await this.status(), warnings };
  }

  /** Tries the stored key of an environment on Binance: its account and its permissions, in words. */
  async test(environment: string): Promise<{ ok: boolean; lines: string[] }> {
    const creds = await this.stores.keychain.get(environment).catch(() => undefined);
    if (!creds) throw new HostError('failed', `no API key stored for ${environment}: store one first`);
    const t = await this.tryKey(environment, creds);
    const verdict = judgeKeyTest(t, { allowWithdrawals: false, insist: false });
    const lines = keyTestLines(t);
    return {
      ok: !verdict.refuse && t.account.ok,
      lines: [...lines, ...(verdict.refuse ? [`Refused: ${verdict.refuse}`] : []), ...verdict.warnings],
    };
  }

  private async tryKey(environment: string, creds: { apiKey: string; apiSecret: string }): Promise<KeyTest> {
    const base = this.restBaseOf(environment);
    if (!base) {
      const reason = `${environment} is a custom environment without a REST URL to check the key at`;
      return { account: { ok: false, reason, refused: false }, permissions: { checked: false, reason } };
    }
    return testApiKey(creds, { restBaseUrl: base });
  }

  async delete(environment: string): Promise<KeyStatusDto[]> {
    const deleted = await this.stores.keychain.delete(environment);
    if (!deleted)
      throw new HostError('failed', `no API key stored for ${environment} in the OS keychain: nothing deleted`);
    return this.status();
  }
}
