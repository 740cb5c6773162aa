import { createHmac, createPrivateKey, sign as signWith, type KeyObject } from 'node:crypto';

/** Binance's three API key types; each signs requests its own way (rest-api.md "SIGNED endpoint security"). */
export type ApiKeyType = 'HMAC' | 'RSA' | 'Ed25519';

/**
 * Signs Binance requests with the secret that goes with an API key:
 * - HMAC: the secret is a string; signature = HMAC-SHA256 hex of the payload;
 * - RSA: the secret is a PEM private key; signature = RSASSA-PKCS1-v1_5 / SHA-256, base64;
 * - Ed25519 (Binance's recommendation): the secret is a PEM private key; signature = Ed25519, base64.
 * The key type is recognised from the secret itself. REST signatures go in the query string (base64
 * URL-encoded); WebSocket API signatures go in JSON params as they are.
 */
export class RequestSigner {
  readonly type: ApiKeyType;
  private readonly key: KeyObject | undefined;

  constructor(private readonly secret: string) {
    // A PEM kept in an environment variable often has its newlines written as \n.
    const pem = secret.includes('-----BEGIN') ? secret.replace(/\\n/g, '\n') : undefined;
    if (!pem) {
      this.type = 'HMAC';
      return;
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(normalisePem(pem));
    } catch {
      throw new Error(
        'the API secret looks like a PEM private key but cannot be read: paste the whole private key file (BEGIN to END lines) that goes with your RSA or Ed25519 API key',
      );
    }
    const kind = key.asymmetricKeyType;
    if (kind === 'ed25519') this.type = 'Ed25519';
    else if (kind === 'rsa') this.type = 'RSA';
    else throw new Error(`the private key is a ${kind ?? 'unknown'} key; Binance API keys are HMAC, RSA or Ed25519`);
    this.key = key;
  }

  /** The signature of a payload, as Binance expects it in JSON (WebSocket API params). */
  sign(payload: string): string {
    switch (this.type) {
      case 'HMAC':
        return createHmac('sha256', this.secret).update(payload).digest('hex');
      case 'RSA':
        return signWith('sha256', Buffer.from(payload), this.key!).toString('base64');
      case 'Ed25519':
        return signWith(null, Buffer.from(payload), this.key!).toString('base64');
    }
  }

  /** The signature as it goes in a REST query string (base64 is URL-encoded; hex needs nothing). */
  signForQuery(payload: string): string {
    const s = this.sign(payload);
    return this.type === 'HMAC' ? s : encodeURIComponent(s);
  }
}

/** The key type a secret stands for, or an Error saying why it is not one Binance takes. */
export function apiKeyTypeOf(secret: string): ApiKeyType {
  return new RequestSigner(secret).type;
}

/** A PEM pasted on one line (newlines lost at a prompt) is put back into lines. */
function normalisePem(pem: string): string {
  const m = /-----BEGIN ([A-Z ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----/.exec(pem.trim());
  if (!m) return pem;
  const body = m[2]!.replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${m[1]}-----\n${lines.join('\n')}\n-----END ${m[1]}-----\n`;
}
