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
import { parseMarketChoice, PlanError } from '../app/session-plan';
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
  try {
    const choice = parseMarketChoice(raw, cfg.market, 'market');
    return { choice, label: choice.kind === 'replay' ? `replay:${choice.dir}` : 'binance' };
  } catch (e) {
    if (e instanceof PlanError) throw new HostError('failed', e.message);
    throw e;
  }
}
