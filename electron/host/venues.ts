import fs from 'node:fs';
import path from 'node:path';
import { restBaseFor } from '../adapters/binance/api-key-permissions';
import { endpointsFor, type BinanceEndpoints } from '../adapters/binance/environments';
import {
  CredentialsError,
  MissingCredentialsError,
  resolveCredentials,
  type ResolvedCredentials,
} from '../adapters/secrets/env-secret-store';
import { KeychainEntryError } from '../adapters/secrets/keytar-secret-store';
import type { MarketChoice } from '../app/market-choice';
import { HostError } from './host-error';
import type { KeyStores } from './keys-service';

/** Where a Binance environment lives, when it is not live or testnet (or to point those elsewhere). */
export type EndpointOverrides = Partial<Pick<BinanceEndpoints, 'restBaseUrl' | 'streamBaseUrl' | 'wsApiBaseUrl'>>;

/** What the host knows about the venues it can trade: custom environments, market data, key stores. */
export interface VenueConfig {
  environments: Readonly<Record<string, EndpointOverrides>>;
  /** Public market data for paper trading on live prices (default: Binance itself). */
  market: { restBaseUrl?: string; wsBaseUrl?: string };
  stores: KeyStores;
}

export function endpointsOf(environment: string, cfg: VenueConfig): BinanceEndpoints {
  try {
    return endpointsFor(environment, cfg.environments[environment] ?? {});
  } catch (e) {
    throw new HostError('failed', `unknown Binance environment ${environment}: ${(e as Error).message}`);
  }
}

/** Where a key for `environment` is checked (its REST base), or undefined for a custom one nobody located. */
export function restBaseOf(environment: string, cfg: VenueConfig): string | undefined {
  return restBaseFor(environment, cfg.environments[environment]?.restBaseUrl);
}

/** The key pair for live trading: environment variables first, then the OS keychain. */
export async function credentialsOf(environment: string, cfg: VenueConfig): Promise<ResolvedCredentials> {
  try {
    return await resolveCredentials(environment, cfg.stores);
  } catch (e) {
    if (e instanceof MissingCredentialsError) {
      throw new HostError(
        'failed',
        `no API key for ${environment}: add one under API keys (or set BINANCE_API_KEY and BINANCE_API_SECRET for the host)`,
      );
    }
    if (e instanceof CredentialsError || e instanceof KeychainEntryError) throw new HostError('failed', e.message);
    throw e;
  }
}

/** Paper market data: 'binance' (live prices, default) or 'replay:DIR' (kline CSV files in DIR). */
export function paperMarket(raw: string | undefined, cfg: VenueConfig): { choice: MarketChoice; label: string } {
  const m = raw ?? 'binance';
  if (m === 'binance') {
    return {
      choice: {
        kind: 'binance',
        ...(cfg.market.restBaseUrl ? { restBaseUrl: cfg.market.restBaseUrl } : {}),
        ...(cfg.market.wsBaseUrl ? { wsBaseUrl: cfg.market.wsBaseUrl } : {}),
      },
      label: 'binance',
    };
  }
  if (m.startsWith('replay:') && m.length > 'replay:'.length) {
    const dir = path.resolve(m.slice('replay:'.length));
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new HostError('failed', `replay folder ${dir} does not exist or is not a folder`);
    return { choice: { kind: 'replay', dir }, label: `replay:${dir}` };
  }
  throw new HostError(
    'failed',
    `market ${JSON.stringify(m)} is not understood: use binance (live market data) or replay:DIR (Binance kline CSV files in DIR)`,
  );
}
