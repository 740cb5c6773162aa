import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server answers to GET /sapi/v1/account/apiRestrictions (GET /api/v3/account answers the account). */
type PermissionsAnswer =
  | { kind: 'permissions'; enableWithdrawals: boolean; enableSpotAndMarginTrading?: boolean; ipRestrict?: boolean }
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'hang' };

interface SeenRequest {
  path: string;
  apiKeyHeader: string | undefined;
  signatureValid: boolean;
  query: string;
}

export interface PermissionsServer {
  url: string;
  /** The key pair the server knows (its signature check uses the secret). */
  setKnownKey(apiKey: string, apiSecret: string): void;
  answer(a: PermissionsAnswer): void;
  /** Runs (and is awaited) before each answer: lets a test look at the world while the client waits. */
  beforeAnswer(hook: (() => void | Promise<void>) | undefined): void;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A tiny Binance-like server on 127.0.0.1 (OS-chosen port) answering the signed
 * GET /sapi/v1/account/apiRestrictions: it checks the X-MBX-APIKEY header and the HMAC-SHA256
 * signature of the query string, as Binance does (-2015 / -1022 when they are wrong).
 */
export async function startPermissionsServer(): Promise<PermissionsServer> {
  let known = { apiKey: '', apiSecret: '' };
  let current: PermissionsAnswer = { kind: 'permissions', enableWithdrawals: false };
  let hook: (() => void | Promise<void>) | undefined;
  const requests: SeenRequest[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = url.search.slice(1);
      const sigAt = query.lastIndexOf('&signature=');
      const signed = sigAt >= 0 ? query.slice(0, sigAt) : query;
      const signature = sigAt >= 0 ? query.slice(sigAt + '&signature='.length) : '';
      const expected = createHmac('sha256', known.apiSecret).update(signed).digest('hex');
      const signatureValid =
        signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
      const apiKeyHeader = req.headers['x-mbx-apikey'] as string | undefined;
      requests.push({ path: url.pathname, apiKeyHeader, signatureValid, query: signed });
      await hook?.();
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/api/v3/account') {
        // The account, signed like every USER_DATA request: a wrong key or secret is refused here too.
        if (apiKeyHeader !== known.apiKey)
          return send(401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
        if (!signatureValid) return send(400, { code: -1022, msg: 'Signature for this request is not valid.' });
        return send(200, {
          makerCommission: 10,
          takerCommission: 10,
          canTrade: true,
          canWithdraw: current.kind === 'permissions' && current.enableWithdrawals,
          canDeposit: true,
          accountType: 'SPOT',
          balances: [{ asset: 'USDT', free: '1000.00000000', locked: '0.00000000' }],
          permissions: ['SPOT'],
        });
      }
      if (url.pathname !== '/sapi/v1/account/apiRestrictions') return send(404, { code: -1, msg: 'not found' });
      if (current.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (apiKeyHeader !== known.apiKey)
        return send(401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
      if (!signatureValid) return send(400, { code: -1022, msg: 'Signature for this request is not valid.' });
      if (current.kind === 'status') return send(current.status, current.body ?? {});
      return send(200, {
        ipRestrict: current.ipRestrict ?? true,
        createTime: 1_700_000_000_000,
        enableReading: true,
        enableWithdrawals: current.enableWithdrawals,
        enableInternalTransfer: false,
        enableMargin: false,
        enableFutures: false,
        permitsUniversalTransfer: false,
        enableVanillaOptions: false,
        enableFixApiTrade: false,
        enableFixReadOnly: false,
        enableSpotAndMarginTrading: current.enableSpotAndMarginTrading ?? true,
        enablePortfolioMarginTrading: false,
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setKnownKey: (apiKey, apiSecret) => {
      known = { apiKey, apiSecret };
    },
    answer: (a) => {
      current = a;
    },
    beforeAnswer: (h) => {
      hook = h;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port the OS gave us, then closed). */
export async function unreachableUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
