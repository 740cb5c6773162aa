const BULLETS = '••••••••';

/**
 * An API key as it may be shown: eight bullets and the key's last 4 characters
 * ('••••••••WXYZ'), whatever the key's length. A key of fewer than 8 characters shows no
 * character at all (its last 4 would be half of it). Only for API keys: a secret is never shown,
 * not even masked.
 */
export function maskKey(apiKey: string): string {
  const key = apiKey.trim();
  return key.length >= 8 ? `${BULLETS}${key.slice(-4)}` : BULLETS;
}
