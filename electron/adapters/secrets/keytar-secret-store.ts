import {
  assertEnvironmentName,
  credentialsProblem,
  isEnvironmentName,
  type ApiCredentials,
  type SecretStore,
} from '../../core/ports/secret-store';

/** The keychain service Tranche's entries live under; one account per environment. */
const KEYCHAIN_SERVICE = 'Tranche';

/** The part of keytar this store uses (keytar 7.9, N-API: the same build serves Node and Electron). */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

const ENV_FIX = 'use BINANCE_API_KEY / BINANCE_API_SECRET, or run inside a desktop session';

/** The OS keychain cannot be reached (no keytar build, no session bus, no Secret Service, ...). */
export class KeychainUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeychainUnavailableError';
  }
}

/** A keychain entry under our service that is not a Tranche key pair. */
export class KeychainEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeychainEntryError';
  }
}

/**
 * The keychain service name: Tranche, unless TRANCHE_KEYCHAIN_SERVICE names another (tests use
 * their own, so they never touch a developer's real entries).
 */
export function keychainServiceName(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRANCHE_KEYCHAIN_SERVICE || KEYCHAIN_SERVICE;
}

async function importKeytar(): Promise<KeytarApi> {
  // Loaded on first use only: a machine without libsecret or a keychain can still paper trade,
  // and only fails when a key is actually needed.
  const mod = (await import('keytar')) as unknown as KeytarApi & { default?: KeytarApi };
  return mod.default ?? mod;
}

function reasonOf(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error';
  return text.replace(/\s+/g, ' ').trim() || 'unknown error';
}

/**
 * API keys in the OS keychain through keytar: macOS Keychain, Windows Credential Manager, or the
 * Secret Service (gnome-keyring, KWallet) over D-Bus on Linux. Service "Tranche", account = the
 * environment, password = JSON {apiKey, apiSecret}.
 */
export class KeytarSecretStore implements SecretStore {
  readonly name = 'OS keychain';
  readonly service: string;
  private readonly load: () => Promise<KeytarApi>;
  private loaded: Promise<KeytarApi> | undefined;

  constructor(opts: { service?: string; load?: () => Promise<KeytarApi> } = {}) {
    this.service = opts.service ?? keychainServiceName();
    this.load = opts.load ?? importKeytar;
  }

  async get(environment: string): Promise<ApiCredentials | undefined> {
    assertEnvironmentName(environment);
    const raw = await this.call((k) => k.getPassword(this.service, environment));
    return raw === null ? undefined : this.parse(environment, raw);
  }

  async set(environment: string, creds: ApiCredentials): Promise<void> {
    assertEnvironmentName(environment);
    const problem = credentialsProblem(creds);
    if (problem) throw new Error(`not stored: ${problem}`);
    const value = JSON.stringify({ apiKey: creds.apiKey, apiSecret: creds.apiSecret });
    await this.call((k) => k.setPassword(this.service, environment, value), creds);
  }

  async delete(environment: string): Promise<boolean> {
    assertEnvironmentName(environment);
    return this.call((k) => k.deletePassword(this.service, environment));
  }

  /**
   * Other secrets (an alert bot's token) under the account `secret:NAME`: never an environment
   * name (those have no colon), so never listed as a key pair.
   */
  async getSecret(name: string): Promise<string | undefined> {
    const raw = await this.call((k) => k.getPassword(this.service, `secret:${name}`));
    return raw ?? undefined;
  }

  async setSecret(name: string, value: string): Promise<void> {
    await this.call((k) => k.setPassword(this.service, `secret:${name}`, value), { apiKey: value, apiSecret: value });
  }

  async deleteSecret(name: string): Promise<boolean> {
    return this.call((k) => k.deletePassword(this.service, `secret:${name}`));
  }

  async environments(): Promise<string[]> {
    const found = await this.call((k) => k.findCredentials(this.service));
    return found
      .map((c) => c.account)
      .filter(isEnvironmentName)
      .sort();
  }

  /** Throws KeychainUnavailableError when the keychain cannot be used here; resolves otherwise. */
  async probe(): Promise<void> {
    await this.call((k) => k.findCredentials(this.service));
  }

  private keytar(): Promise<KeytarApi> {
    this.loaded ??= this.load().catch((e: unknown) => {
      throw new KeychainUnavailableError(
        `the OS keychain module (keytar) could not be loaded (${reasonOf(e)}): run npm run setup (keytar builds against libsecret-1-dev on Linux), or ${ENV_FIX}`,
      );
    });
    return this.loaded;
  }

  private async call<T>(op: (k: KeytarApi) => Promise<T>, creds?: ApiCredentials): Promise<T> {
    const k = await this.keytar();
    try {
      return await op(k);
    } catch (e) {
      let reason = reasonOf(e);
      // keytar's errors come from the OS and never hold what we passed; make sure of it anyway.
      if (creds) {
        for (const s of [creds.apiKey, creds.apiSecret]) if (s) reason = reason.split(s).join('[redacted]');
      }
      throw new KeychainUnavailableError(`no OS keychain available (${reason}): ${ENV_FIX}`);
    }
  }

  private parse(environment: string, raw: string): ApiCredentials {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    const v = value as Partial<ApiCredentials> | undefined;
    if (!v || typeof v.apiKey !== 'string' || typeof v.apiSecret !== 'string') {
      throw new KeychainEntryError(
        `the keychain entry ${this.service}/${environment} is not a Tranche API key pair: store it again with npm run keys -- set --env=${environment}`,
      );
    }
    return { apiKey: v.apiKey, apiSecret: v.apiSecret };
  }
}
