import { describe, expect, it } from 'vitest';
import {
  CredentialsError,
  EnvSecretStore,
  MissingCredentialsError,
  resolveCredentials,
} from '../../electron/adapters/secrets/env-secret-store';
import {
  credentialsProblem,
  isEnvironmentName,
  type ApiCredentials,
  type SecretStore,
} from '../../electron/core/ports/secret-store';
import { maskKey } from '../../shared/secrets/mask-key';

const ENV_KEY = 'envKeyAbCdEfGh0123456789envKeyTAIL';
const ENV_SECRET = 'envSecretZyXwVu9876543210envSecretEND';
const KC_KEY = 'keychainKey0123456789abcdefKCKY';
const KC_SECRET = 'keychainSecret0123456789abcdefKCSC';

/** A keychain in memory that records whether it was touched. */
class MemoryKeychain implements SecretStore {
  readonly name = 'OS keychain';
  touched = 0;
  constructor(
    private readonly entries = new Map<string, ApiCredentials>(),
    private readonly failure?: Error,
  ) {}
  async get(environment: string) {
    this.touched++;
    if (this.failure) throw this.failure;
    return this.entries.get(environment);
  }
  async set(environment: string, creds: ApiCredentials) {
    this.touched++;
    this.entries.set(environment, creds);
  }
  async delete(environment: string) {
    this.touched++;
    return this.entries.delete(environment);
  }
  async environments() {
    this.touched++;
    return [...this.entries.keys()].sort();
  }
}

describe('maskKey', () => {
  it('shows eight bullets and the last 4 characters, whatever the length', () => {
    expect(maskKey('abcdefghijklmnopqrstuvwxyzWXYZ')).toBe('••••••••WXYZ');
    expect(maskKey('x'.repeat(64) + '1234')).toBe('••••••••1234');
    expect(maskKey('12345678')).toBe('••••••••5678');
  });
  it('shows nothing of a key shorter than 8 characters', () => {
    expect(maskKey('abcdefg')).toBe('••••••••');
    expect(maskKey('')).toBe('••••••••');
  });
});

describe('environment names and key pairs', () => {
  it('accepts live, testnet and lower-case custom names only', () => {
    for (const ok of ['live', 'testnet', 'local', 'my-box-2']) expect(isEnvironmentName(ok)).toBe(true);
    for (const bad of ['', 'Live', 'my box', '-x', 'a/b', 'x'.repeat(33), 'ü'])
      expect(isEnvironmentName(bad)).toBe(false);
  });
  it('names what is wrong with a pair without quoting it', () => {
    expect(credentialsProblem({ apiKey: ENV_KEY, apiSecret: ENV_SECRET })).toBeUndefined();
    const problems = [
      credentialsProblem({ apiKey: '', apiSecret: ENV_SECRET }),
      credentialsProblem({ apiKey: ENV_KEY, apiSecret: 'short' }),
      credentialsProblem({ apiKey: `${ENV_KEY} x`, apiSecret: ENV_SECRET }),
      credentialsProblem({ apiKey: ENV_KEY, apiSecret: `${ENV_SECRET}\n` }),
    ];
    expect(problems).toEqual([
      'the API key is empty',
      'the API secret is 5 characters long (expected 8 to 512)',
      'the API key contains spaces or characters that are not printable ASCII',
      'the API secret contains spaces or characters that are not printable ASCII',
    ]);
    for (const p of problems) {
      expect(p).not.toContain(ENV_KEY);
      expect(p).not.toContain(ENV_SECRET);
    }
  });
});

describe('EnvSecretStore (BINANCE_API_KEY / BINANCE_API_SECRET)', () => {
  it('gives the pair for any environment when both variables are set', async () => {
    const store = new EnvSecretStore({ BINANCE_API_KEY: ENV_KEY, BINANCE_API_SECRET: ` ${ENV_SECRET}\n` });
    expect(store.isSet()).toBe(true);
    expect(await store.get('live')).toEqual({ apiKey: ENV_KEY, apiSecret: ENV_SECRET });
    expect(await store.get('local')).toEqual({ apiKey: ENV_KEY, apiSecret: ENV_SECRET });
    expect(await store.environments()).toEqual([]);
  });

  it('gives nothing when neither is set (or both are empty)', async () => {
    expect(await new EnvSecretStore({}).get('live')).toBeUndefined();
    expect(await new EnvSecretStore({ BINANCE_API_KEY: '', BINANCE_API_SECRET: '' }).get('live')).toBeUndefined();
  });

  it('refuses half a pair, naming the variables and not the value', async () => {
    const onlyKey = new EnvSecretStore({ BINANCE_API_KEY: ENV_KEY });
    expect(onlyKey.isHalfSet()).toBe(true);
    const e1 = await onlyKey.get('live').catch((e: unknown) => e as Error);
    expect(e1).toBeInstanceOf(CredentialsError);
    expect((e1 as Error).message).toBe(
      'BINANCE_API_KEY is set but BINANCE_API_SECRET is not: set both, or neither to use the OS keychain',
    );
    const e2 = await new EnvSecretStore({ BINANCE_API_SECRET: ENV_SECRET })
      .get('live')
      .catch((e: unknown) => e as Error);
    expect((e2 as Error).message).toMatch(/^BINANCE_API_SECRET is set but BINANCE_API_KEY is not/);
    expect((e2 as Error).message).not.toContain(ENV_SECRET);
  });

  it('is read-only: set and delete say how to change the variables instead', async () => {
    const store = new EnvSecretStore({ BINANCE_API_KEY: ENV_KEY, BINANCE_API_SECRET: ENV_SECRET });
    await expect(store.set('live', { apiKey: KC_KEY, apiSecret: KC_SECRET })).rejects.toThrow(
      /cannot be stored in environment variables BINANCE_API_KEY \/ BINANCE_API_SECRET: they are read-only/,
    );
    await expect(store.delete('live')).rejects.toThrow(/cannot be deleted .* unset the variables/);
  });

  it('rejects an invalid environment name', async () => {
    await expect(new EnvSecretStore({}).get('Live')).rejects.toThrow(/environment "Live" is not valid/);
  });
});

describe('resolveCredentials', () => {
  const envBoth = () => new EnvSecretStore({ BINANCE_API_KEY: ENV_KEY, BINANCE_API_SECRET: ENV_SECRET });

  it('prefers the environment variables and does not touch the keychain then', async () => {
    const keychain = new MemoryKeychain(new Map(), new Error('the keychain must not be asked'));
    const r = await resolveCredentials('live', { keychain, env: envBoth() });
    expect(r.credentials).toEqual({ apiKey: ENV_KEY, apiSecret: ENV_SECRET });
    expect(r.source).toBe('environment');
    expect(r.description).toBe(
      'API key ••••••••TAIL for live from environment variables BINANCE_API_KEY / BINANCE_API_SECRET',
    );
    expect(keychain.touched).toBe(0);
  });

  it('uses the keychain entry of the environment when the variables are not set', async () => {
    const keychain = new MemoryKeychain(new Map([['testnet', { apiKey: KC_KEY, apiSecret: KC_SECRET }]]));
    const r = await resolveCredentials('testnet', { keychain, env: new EnvSecretStore({}) });
    expect(r).toEqual({
      credentials: { apiKey: KC_KEY, apiSecret: KC_SECRET },
      source: 'keychain',
      description: 'API key ••••••••KCKY for testnet from the OS keychain',
    });
  });

  it('says how to add a key when there is none', async () => {
    const e = await resolveCredentials('live', { keychain: new MemoryKeychain(), env: new EnvSecretStore({}) }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(MissingCredentialsError);
    expect((e as Error).message).toBe(
      'no API key for live: store one with npm run keys -- set --env=live, or set BINANCE_API_KEY and BINANCE_API_SECRET',
    );
  });

  it('passes the keychain failure on (with its fix) when the keychain is needed', async () => {
    const failure = new Error('no OS keychain available (x): use BINANCE_API_KEY / BINANCE_API_SECRET, ...');
    await expect(
      resolveCredentials('live', { keychain: new MemoryKeychain(new Map(), failure), env: new EnvSecretStore({}) }),
    ).rejects.toBe(failure);
  });

  it('refuses half a pair in the environment instead of silently falling back to the keychain', async () => {
    const keychain = new MemoryKeychain(new Map([['live', { apiKey: KC_KEY, apiSecret: KC_SECRET }]]));
    await expect(
      resolveCredentials('live', { keychain, env: new EnvSecretStore({ BINANCE_API_KEY: ENV_KEY }) }),
    ).rejects.toBeInstanceOf(CredentialsError);
    expect(keychain.touched).toBe(0);
  });

  it('never puts a key or a secret in what it says', async () => {
    const keychain = new MemoryKeychain(new Map([['testnet', { apiKey: KC_KEY, apiSecret: KC_SECRET }]]));
    const texts = [
      (await resolveCredentials('live', { keychain, env: envBoth() })).description,
      (await resolveCredentials('testnet', { keychain, env: new EnvSecretStore({}) })).description,
    ];
    for (const t of texts) for (const s of [ENV_KEY, ENV_SECRET, KC_KEY, KC_SECRET]) expect(t).not.toContain(s);
  });
});
