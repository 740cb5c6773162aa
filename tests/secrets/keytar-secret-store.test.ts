import { afterAll, describe, expect, it } from 'vitest';
import {
  KeychainEntryError,
  KeychainUnavailableError,
  KeytarSecretStore,
  keychainServiceName,
  type KeytarApi,
} from '../../electron/adapters/secrets/keytar-secret-store';
import { clearService, describeWithKeychain, envWithoutSessionBus, runCliAsync, testServiceName } from './keychain';

/** The error a promise rejects with (the test fails if it resolves). */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

const KEY_A = 'ktKeyAAAAbCdEfGh0123456789ktKeyA1111';
const SECRET_A = 'ktSecretAAAAZyXwVu9876543210ktSecA';
const KEY_B = 'ktKeyBBBBbCdEfGh0123456789ktKeyB2222';
const SECRET_B = 'ktSecretBBBBZyXwVu9876543210ktSecB';

describe('KeytarSecretStore without a keychain', () => {
  it('does not load keytar until a key is used', () => {
    let loads = 0;
    new KeytarSecretStore({
      service: 'x',
      load: async () => {
        loads++;
        throw new Error('not here');
      },
    });
    expect(loads).toBe(0);
  });

  it('says how to fix a keytar that cannot be loaded', async () => {
    const store = new KeytarSecretStore({
      service: 'x',
      load: async () => {
        throw new Error("Cannot find module '../build/Release/keytar.node'");
      },
    });
    const e = await failure(store.get('live'));
    expect(e).toBeInstanceOf(KeychainUnavailableError);
    expect(e.message).toBe(
      "the OS keychain module (keytar) could not be loaded (Cannot find module '../build/Release/keytar.node'): run npm run setup (keytar builds against libsecret-1-dev on Linux), or use BINANCE_API_KEY / BINANCE_API_SECRET, or run inside a desktop session",
    );
  });

  it('names the fix when there is no Secret Service, and never repeats what it was asked to store', async () => {
    const failing: KeytarApi = {
      getPassword: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
      // An OS error that (absurdly) quotes its input must still not leak it.
      setPassword: (_s, _a, password) => Promise.reject(new Error(`failed to store ${password}`)),
      deletePassword: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
      findCredentials: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
    };
    const store = new KeytarSecretStore({ service: 'x', load: async () => failing });
    const e = await failure(store.get('live'));
    expect(e).toBeInstanceOf(KeychainUnavailableError);
    expect(e.message).toBe(
      'no OS keychain available (Cannot autolaunch D-Bus without X11 $DISPLAY): use BINANCE_API_KEY / BINANCE_API_SECRET, or run inside a desktop session',
    );
    const s = await failure(store.set('live', { apiKey: KEY_A, apiSecret: SECRET_A }));
    expect(s).toBeInstanceOf(KeychainUnavailableError);
    expect(s.message).not.toContain(KEY_A);
    expect(s.message).not.toContain(SECRET_A);
    await expect(store.environments()).rejects.toBeInstanceOf(KeychainUnavailableError);
    await expect(store.probe()).rejects.toBeInstanceOf(KeychainUnavailableError);
  });

  it('refuses invalid environment names and pairs before reaching the keychain', async () => {
    let calls = 0;
    const counting = new Proxy({} as KeytarApi, {
      get: () => () => {
        calls++;
        return Promise.resolve(null);
      },
    });
    const store = new KeytarSecretStore({ service: 'x', load: async () => counting });
    await expect(store.get('Live')).rejects.toThrow(/environment "Live" is not valid/);
    await expect(store.set('live', { apiKey: KEY_A, apiSecret: 'short' })).rejects.toThrow(
      'not stored: the API secret is 5 characters long (expected 8 to 512)',
    );
    expect(calls).toBe(0);
  });

  it('uses service Tranche unless TRANCHE_KEYCHAIN_SERVICE names another', () => {
    expect(keychainServiceName({})).toBe('Tranche');
    expect(keychainServiceName({ TRANCHE_KEYCHAIN_SERVICE: 'Tranche-test-1' })).toBe('Tranche-test-1');
  });

  it.runIf(process.platform === 'linux')(
    'the real keytar, with no session bus: the keys CLI fails with the fix, exit 1',
    async () => {
      const r = await runCliAsync(['keys', 'list'], { baseEnv: envWithoutSessionBus() });
      expect(r.stderr).toContain(
        '✖ no OS keychain available (Cannot autolaunch D-Bus without X11 $DISPLAY): use BINANCE_API_KEY / BINANCE_API_SECRET, or run inside a desktop session',
      );
      expect(r.code).toBe(1);
    },
  );
});

describeWithKeychain('KeytarSecretStore in the real OS keychain', () => {
  const service = testServiceName();
  const store = new KeytarSecretStore({ service });
  afterAll(() => clearService(service));

  it('round trip: set, get, list, replace, delete', async () => {
    expect(await store.environments()).toEqual([]);
    expect(await store.get('testnet')).toBeUndefined();

    await store.set('testnet', { apiKey: KEY_A, apiSecret: SECRET_A });
    await store.set('local-1', { apiKey: KEY_B, apiSecret: SECRET_B });
    expect(await store.get('testnet')).toEqual({ apiKey: KEY_A, apiSecret: SECRET_A });
    expect(await store.environments()).toEqual(['local-1', 'testnet']);

    await store.set('testnet', { apiKey: KEY_B, apiSecret: SECRET_B });
    expect(await store.get('testnet')).toEqual({ apiKey: KEY_B, apiSecret: SECRET_B });
    expect(await store.environments()).toEqual(['local-1', 'testnet']);

    expect(await store.delete('testnet')).toBe(true);
    expect(await store.delete('testnet')).toBe(false);
    expect(await store.get('testnet')).toBeUndefined();
    expect(await store.environments()).toEqual(['local-1']);
  });

  it('stores one JSON entry per environment under the service, and other services do not see it', async () => {
    const keytar = ((await import('keytar')) as unknown as { default: KeytarApi }).default;
    await store.set('live', { apiKey: KEY_A, apiSecret: SECRET_A });
    expect(JSON.parse((await keytar.getPassword(service, 'live'))!)).toEqual({ apiKey: KEY_A, apiSecret: SECRET_A });
    const other = new KeytarSecretStore({ service: testServiceName() });
    expect(await other.get('live')).toBeUndefined();
    expect(await other.environments()).toEqual([]);
  });

  it('an entry that is not a key pair is reported without its content', async () => {
    const keytar = ((await import('keytar')) as unknown as { default: KeytarApi }).default;
    await keytar.setPassword(service, 'broken', `not json ${SECRET_A}`);
    const e = await failure(store.get('broken'));
    expect(e).toBeInstanceOf(KeychainEntryError);
    expect(e.message).toBe(
      `the keychain entry ${service}/broken is not a Tranche API key pair: store it again with npm run keys -- set --env=broken`,
    );
    expect(e.message).not.toContain(SECRET_A);
  });
});
