import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { ParameterSet } from '../../../shared/params/schema';
import { endpointsFor } from '../../adapters/binance/environments';
import { EnvSecretStore, resolveCredentials } from '../../adapters/secrets/env-secret-store';
import { KeytarSecretStore } from '../../adapters/secrets/keytar-secret-store';
import { describeExchangeHealth } from '../../app/health-lines';
import { defaultDataDir, defaultLedgerFile } from '../../app/paths';
import type { LiveVenue } from '../../app/trading-session';
import { UsageError, type Values } from '../options';
import type { Output } from '../output';

async function confirm(values: Values, question: string): Promise<void> {
  if (values['confirm-live']) return;
  if (!process.stdin.isTTY) {
    throw new UsageError(
      'live trading asks for confirmation: run it in a terminal, or add --confirm-live when it runs unattended',
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(question);
    if (answer.trim() !== 'LIVE') throw new UsageError('not confirmed: nothing was started');
  } finally {
    rl.close();
  }
}

/**
 * Everything live trading needs before a session opens: the environment's endpoints, the API key
 * (keychain or environment variables, shown masked), the ledger file, and the trader's
 * confirmation naming the account and what is at stake.
 */
export async function liveVenue(
  values: Values,
  sets: readonly ParameterSet[],
  quoteAsset: string,
  out: Output,
): Promise<{ venue: LiveVenue; dbFile: string }> {
  if (values.market && values.market !== 'binance') {
    throw new UsageError(
      'live trading uses the live market data of its Binance environment; --market=replay:DIR is for paper trading (add --paper)',
    );
  }
  const env = values.env ?? 'live';
  const endpoints = endpointsFor(env, {
    ...(values['binance-rest-url'] ? { restBaseUrl: values['binance-rest-url'] } : {}),
    ...(values['binance-ws-url'] ? { streamBaseUrl: values['binance-ws-url'] } : {}),
    ...(values['binance-ws-api-url'] ? { wsApiBaseUrl: values['binance-ws-api-url'] } : {}),
  });
  const resolved = await resolveCredentials(env, { keychain: new KeytarSecretStore(), env: new EnvSecretStore() });
  const dir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  const dbFile = values.db ? path.resolve(values.db) : defaultLedgerFile('live', env, dir);
  const atStake = sets.filter((s) => s.enabled).reduce((a, s) => a + s.allocationPercent, 0);
  out.info(`🔥 LIVE trading on Binance (${env}: ${endpoints.restBaseUrl}) with ${resolved.description}`);
  out.info(
    `   Real orders: up to ${+atStake.toFixed(4)}% of the ${quoteAsset} balance, in ${sets
      .filter((s) => s.enabled)
      .map((s) => `${s.symbol} ${s.allocationPercent}%`)
      .join(', ')}`,
  );
  await confirm(values, `Type LIVE to trade real money on this account: `);
  return {
    venue: {
      kind: 'live',
      endpoints,
      credentials: resolved.credentials,
      onExchangeHealth: (h) => out.health('exchange', h, describeExchangeHealth(h)),
    },
    dbFile,
  };
}
