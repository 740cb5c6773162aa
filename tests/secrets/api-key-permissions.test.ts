import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkApiKeyPermissions,
  judgePermissions,
  restBaseFor,
  type PermissionCheck,
} from '../../electron/adapters/binance/api-key-permissions';
import { startPermissionsServer, unreachableUrl, type PermissionsServer } from './permissions-server';

/**
 * GET /sapi/v1/account/apiRestrictions through the real `binance` MainClient against a local server
 * that checks the key header and the HMAC signature as Binance does.
 */
const KEY = 'permKeyAbCdEfGh0123456789permKeyK3Y9';
const SECRET = 'permSecretZyXwVu9876543210permSecretS3C';
const creds = { apiKey: KEY, apiSecret: SECRET };

let server: PermissionsServer;
beforeAll(async () => {
  server = await startPermissionsServer();
  server.setKnownKey(KEY, SECRET);
});
afterAll(() => server.close());

const noSecrets = (check: PermissionCheck) => {
  const text = JSON.stringify(check);
  expect(text).not.toContain(KEY);
  expect(text).not.toContain(SECRET);
};

describe('restBaseFor', () => {
  it('knows live and testnet, takes an override, and has none for a custom environment', () => {
    expect(restBaseFor('live')).toBe('https://api.binance.com');
    expect(restBaseFor('testnet')).toBe('https://testnet.binance.vision');
    expect(restBaseFor('testnet', 'http://127.0.0.1:1234/')).toBe('http://127.0.0.1:1234');
    expect(restBaseFor('local')).toBeUndefined();
  });
});

describe('checkApiKeyPermissions', () => {
  it('reads the flags from a signed request carrying the key header', async () => {
    server.answer({ kind: 'permissions', enableWithdrawals: false, ipRestrict: false });
    const before = server.requests.length;
    const check = await checkApiKeyPermissions(creds, { restBaseUrl: server.url });
    expect(check).toEqual({
      checked: true,
      permissions: {
        enableReading: true,
        enableSpotAndMarginTrading: true,
        enableWithdrawals: false,
        ipRestrict: false,
      },
    });
    const req = server.requests[before]!;
    expect(req).toMatchObject({ path: '/sapi/v1/account/apiRestrictions', apiKeyHeader: KEY, signatureValid: true });
    expect(req.query).toMatch(/timestamp=\d+/);
    expect(req.query).not.toContain(SECRET);
  });

  it('reports withdrawals', async () => {
    server.answer({ kind: 'permissions', enableWithdrawals: true });
    const check = await checkApiKeyPermissions(creds, { restBaseUrl: server.url });
    expect(check.checked && check.permissions.enableWithdrawals).toBe(true);
  });

  it('cannot check where the endpoint does not exist (the testnet has no /sapi)', async () => {
    server.answer({ kind: 'status', status: 404, body: '<html>Not Found</html>' });
    const check = await checkApiKeyPermissions(creds, { restBaseUrl: server.url });
    expect(check).toEqual({
      checked: false,
      reason: `${server.url} does not offer GET /sapi/v1/account/apiRestrictions (HTTP 404; Binance's testnet has no /sapi endpoints)`,
      refused: false,
    });
  });

  it('cannot check a key Binance refuses, and says what to look at', async () => {
    server.setKnownKey('someOtherKey0123456789', SECRET);
    try {
      const check = await checkApiKeyPermissions(creds, { restBaseUrl: server.url });
      expect(check.checked).toBe(false);
      expect(!check.checked && check.reason).toMatch(/^Binance refused the key \(-2015 Invalid API-key/);
      noSecrets(check);
    } finally {
      server.setKnownKey(KEY, SECRET);
    }
  });

  it('cannot check a wrong secret (bad signature)', async () => {
    server.answer({ kind: 'permissions', enableWithdrawals: false });
    const check = await checkApiKeyPermissions(
      { apiKey: KEY, apiSecret: 'notTheSecret0123456789' },
      { restBaseUrl: server.url },
    );
    expect(!check.checked && check.reason).toMatch(/^Binance refused the key \(-1022 Signature/);
    expect(!check.checked && check.refused).toBe(true);
  });

  it('cannot check an unreachable server, and never throws', async () => {
    const url = await unreachableUrl();
    const check = await checkApiKeyPermissions(creds, { restBaseUrl: url });
    expect(check).toEqual({ checked: false, reason: `${url} could not be reached (ECONNREFUSED)`, refused: false });
  });

  it('gives up on a server that does not answer', async () => {
    server.answer({ kind: 'hang' });
    const check = await checkApiKeyPermissions(creds, { restBaseUrl: server.url, timeoutMs: 300 });
    expect(check).toEqual({ checked: false, reason: `${server.url} did not answer within 0.3 s`, refused: false });
  });

  it('cannot check an answer without the flags', async () => {
    server.answer({ kind: 'status', status: 200, body: { hello: 'world' } });
    const check = await checkApiKeyPermissions(creds, { restBaseUrl: server.url });
    expect(check).toEqual({ checked: false, reason: `${server.url} gave an answer without the permission flags` });
  });
});

describe('judgePermissions', () => {
  const perms = (p: Partial<Record<string, boolean>>): PermissionCheck => ({
    checked: true,
    permissions: {
      enableReading: true,
      enableSpotAndMarginTrading: true,
      enableWithdrawals: false,
      ipRestrict: true,
      ...p,
    },
  });

  it('accepts a trading key without withdrawals silently', () => {
    expect(judgePermissions(perms({}), { allowWithdrawals: false })).toEqual({ warnings: [], notes: [] });
  });

  it('refuses a key that can withdraw unless allowed, and warns when allowed', () => {
    expect(judgePermissions(perms({ enableWithdrawals: true }), { allowWithdrawals: false }).refuse).toMatch(
      /^this API key can withdraw funds \(enableWithdrawals is on\)/,
    );
    const allowed = judgePermissions(perms({ enableWithdrawals: true }), { allowWithdrawals: true });
    expect(allowed.refuse).toBeUndefined();
    expect(allowed.warnings).toEqual([expect.stringMatching(/^this API key can withdraw funds/)]);
  });

  it('warns when spot trading is off, and notes a key without an IP restriction', () => {
    const v = judgePermissions(perms({ enableSpotAndMarginTrading: false, ipRestrict: false }), {
      allowWithdrawals: false,
    });
    expect(v.warnings).toEqual([expect.stringMatching(/^spot trading is not enabled on this key/)]);
    expect(v.notes).toEqual([expect.stringMatching(/not restricted to trusted IPs/)]);
  });

  it('warns that the permissions were not checked when the check could not be made', () => {
    const v = judgePermissions(
      { checked: false, reason: 'x could not be reached (ECONNREFUSED)' },
      {
        allowWithdrawals: false,
      },
    );
    expect(v.refuse).toBeUndefined();
    expect(v.warnings).toEqual([
      "the key's permissions were not checked: x could not be reached (ECONNREFUSED). Make sure on Binance (API Management) that it cannot withdraw and that spot trading is enabled.",
    ]);
  });
});
