/**
 * A Binance API key and what signs for it: the HMAC secret, or the PEM private key of an RSA or
 * Ed25519 key (Binance recommends Ed25519). Never logged, never stored in the ledger, never put in
 * an error message.
 */
export interface ApiCredentials {
  apiKey: string;
  apiSecret: string;
}

/**
 * Where API keys are kept, one pair per environment ('live', 'testnet', or a custom name such as
 * 'local'). The OS keychain (keytar) on desktops; BINANCE_API_KEY / BINANCE_API_SECRET (read-only)
 * on headless servers.
 */
export interface SecretStore {
  /** Where the keys are, in words for messages ("OS keychain", "environment variables ..."). */
  readonly name: string;
  /** The pair stored for this environment, or undefined when there is none. */
  get(environment: string): Promise<ApiCredentials | undefined>;
  /** Stores (or replaces) the pair for this environment. */
  set(environment: string, creds: ApiCredentials): Promise<void>;
  /** Removes the pair; false when there was none. */
  delete(environment: string): Promise<boolean>;
  /** The environments that have a pair, sorted. */
  environments(): Promise<string[]>;
  /** A secret that is not an API key pair (an alert bot's token), by name; where the store keeps such. */
  getSecret?(name: string): Promise<string | undefined>;
  setSecret?(name: string, value: string): Promise<void>;
  deleteSecret?(name: string): Promise<boolean>;
}

/**
 * Environment names: lower-case letters, digits and dashes, starting with a letter or digit, at most
 * 32 characters (they also name the ledger file live-<environment>.sqlite).
 */
const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function isEnvironmentName(name: string): boolean {
  return ENVIRONMENT_NAME.test(name);
}

/** Throws (without echoing anything secret) when `name` is not a valid environment name. */
export function assertEnvironmentName(name: string): void {
  if (!isEnvironmentName(name)) {
    throw new Error(
      `environment ${JSON.stringify(name)} is not valid: use live, testnet, or a name of lower-case letters, digits and dashes (at most 32)`,
    );
  }
}

/**
 * What is wrong with a key pair, or undefined when it looks like one: both parts present; the key
 * and an HMAC secret printable ASCII without spaces, 8 to 512 characters; a private key a whole PEM
 * block. The answer names the part, never its value.
 */
export function credentialsProblem(creds: ApiCredentials): string | undefined {
  const check = (label: string, v: string): string | undefined => {
    if (v.length === 0) return `the ${label} is empty`;
    if (!/^[\x21-\x7e]+$/.test(v)) return `the ${label} contains spaces or characters that are not printable ASCII`;
    if (v.length < 8 || v.length > 512) return `the ${label} is ${v.length} characters long (expected 8 to 512)`;
    return undefined;
  };
  if (isPrivateKeyPem(creds.apiSecret)) {
    const pem = creds.apiSecret.trim();
    const body = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '');
    const problem =
      pem.length > 8192
        ? `the private key is ${pem.length} characters long (expected at most 8192)`
        : !/-----END [A-Z ]*PRIVATE KEY-----$/.test(pem)
          ? 'the private key is cut off: it must end with its -----END ... PRIVATE KEY----- line'
          : !/^[A-Za-z0-9+/=\s\\n]+$/.test(body)
            ? 'the private key contains characters that are not part of a PEM file'
            : undefined;
    return check('API key', creds.apiKey) ?? problem;
  }
  return check('API key', creds.apiKey) ?? check('API secret', creds.apiSecret);
}

/** Whether the secret is a PEM private key (an RSA or Ed25519 API key) rather than an HMAC secret. */
export function isPrivateKeyPem(secret: string): boolean {
  return /^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(secret.trim());
}
