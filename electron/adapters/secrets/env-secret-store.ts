import { maskKey } from '../../../shared/secrets/mask-key';
import {
  assertEnvironmentName,
  credentialsProblem,
  type ApiCredentials,
  type SecretStore,
} from '../../core/ports/secret-store';

const API_KEY_VARIABLE = 'BINANCE_API_KEY';
const API_SECRET_VARIABLE = 'BINANCE_API_SECRET';

/** The variables are set wrongly (only one of them, or not a key). Names the variable, never its value. */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

/**
 * BINANCE_API_KEY / BINANCE_API_SECRET, for headless servers without a keychain. The process is
 * started for one environment, so the pair answers for whichever environment is asked. Read-only:
 * set and delete throw.
 */
export class EnvSecretStore implements SecretStore {
  readonly name = `environment variables ${API_KEY_VARIABLE} / ${API_SECRET_VARIABLE}`;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** True when both variables are set (non-empty). */
  isSet(): boolean {
    return Boolean(this.env[API_KEY_VARIABLE]) && Boolean(this.env[API_SECRET_VARIABLE]);
  }

  /** True when exactly one of the two is set: a mistake worth refusing rather than guessing around. */
  isHalfSet(): boolean {
    return Boolean(this.env[API_KEY_VARIABLE]) !== Boolean(this.env[API_SECRET_VARIABLE]);
  }

  async get(environment: string): Promise<ApiCredentials | undefined> {
    assertEnvironmentName(environment);
    const apiKey = this.env[API_KEY_VARIABLE]?.trim() ?? '';
    const apiSecret = this.env[API_SECRET_VARIABLE]?.trim() ?? '';
    if (!apiKey && !apiSecret) return undefined;
    if (!apiKey || !apiSecret) {
      const [set, unset] = apiKey ? [API_KEY_VARIABLE, API_SECRET_VARIABLE] : [API_SECRET_VARIABLE, API_KEY_VARIABLE];
      throw new CredentialsError(`${set} is set but ${unset} is not: set both, or neither to use the OS keychain`);
    }
    const problem = credentialsProblem({ apiKey, apiSecret });
    if (problem) throw new CredentialsError(`${problem} (from ${API_KEY_VARIABLE} / ${API_SECRET_VARIABLE})`);
    return { apiKey, apiSecret };
  }

  async set(_environment: string, _creds: ApiCredentials): Promise<void> {
    throw new Error(
      `keys cannot be stored in ${this.name}: they are read-only. Set them in the environment of the process, or store the key in the OS keychain with npm run keys -- set`,
    );
  }

  async delete(_environment: string): Promise<boolean> {
    throw new Error(`keys cannot be deleted from ${this.name}: unset the variables in the environment of the process`);
  }

  /** Empty: the variables belong to no environment in particular (see get). */
  async environments(): Promise<string[]> {
    return [];
  }
}

type CredentialSource = 'environment' | 'keychain';

export interface ResolvedCredentials {
  credentials: ApiCredentials;
  source: CredentialSource;
  /** For the log: where the key came from and its masked form, e.g. "API key ••••••••WXYZ for testnet from the OS keychain". */
  description: string;
}

/** No key for this environment anywhere. */
export class MissingCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingCredentialsError';
  }
}

/**
 * The key pair to trade `environment` with: BINANCE_API_KEY / BINANCE_API_SECRET when both are set
 * (the keychain is then not touched at all, so a headless server never needs one), otherwise the
 * keychain's entry for the environment. Throws CredentialsError when only one variable is set,
 * KeychainUnavailableError when the keychain is needed and absent, MissingCredentialsError when
 * there is no key.
 */
export async function resolveCredentials(
  environment: string,
  stores: { keychain: SecretStore; env: EnvSecretStore },
): Promise<ResolvedCredentials> {
  assertEnvironmentName(environment);
  const fromEnv = await stores.env.get(environment);
  if (fromEnv) {
    return {
      credentials: fromEnv,
      source: 'environment',
      description: `API key ${maskKey(fromEnv.apiKey)} for ${environment} from ${stores.env.name}`,
    };
  }
  const fromKeychain = await stores.keychain.get(environment);
  if (fromKeychain) {
    return {
      credentials: fromKeychain,
      source: 'keychain',
      description: `API key ${maskKey(fromKeychain.apiKey)} for ${environment} from the ${stores.keychain.name}`,
    };
  }
  throw new MissingCredentialsError(
    `no API key for ${environment}: store one with npm run keys -- set --env=${environment}, or set ${API_KEY_VARIABLE} and ${API_SECRET_VARIABLE}`,
  );
}
