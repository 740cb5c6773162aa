import type { LiveConfirmationDto } from '../../shared/ipc/contract';
import type { ParameterSet } from '../../shared/params/schema';
import { maskKey } from '../../shared/secrets/mask-key';
import { BinanceExchange } from '../adapters/binance/binance-exchange';
import type { BinanceEndpoints } from '../adapters/binance/environments';
import type { ApiCredentials } from '../core/ports/secret-store';
import { Decimal } from '../core/money/decimal';
import { HostError } from './host-error';

/** The account as the trader recognises it: environment and masked key, e.g. "testnet ••••••••WXYZ". */
function accountLabel(environment: string, apiKey: string): string {
  return `${environment} ${maskKey(apiKey)}`;
}

/**
 * What live trading puts at stake, for the trader to confirm before it starts: the account, its
 * quote balance on Binance (free + locked), and the enabled sets' share of it. Asks Binance for the
 * balance with the environment's key (a signed account request; nothing is traded).
 */
export async function liveConfirmation(opts: {
  endpoints: BinanceEndpoints;
  credentials: ApiCredentials;
  sets: readonly ParameterSet[];
  quoteAsset: string;
}): Promise<LiveConfirmationDto> {
  const exchange = new BinanceExchange({
    endpoints: opts.endpoints,
    credentials: opts.credentials,
    symbols: [],
    requestTimeoutMs: 10_000,
  });
  let balance: Decimal;
  try {
    balance = await exchange.getBalance(opts.quoteAsset);
  } catch (e) {
    throw new HostError(
      'failed',
      `could not read the ${opts.quoteAsset} balance of ${accountLabel(opts.endpoints.name, opts.credentials.apiKey)} on Binance: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  // Decimal, not float: 3 x 33.3 is 99.9 exactly, so the amount is the one the trader expects.
  const percent = opts.sets
    .filter((s) => s.enabled)
    .reduce((a, s) => a.add(new Decimal(s.allocationPercent)), new Decimal(0));
  const atStake = balance.mul(percent).div(100).toDecimalPlaces(2, Decimal.ROUND_DOWN);
  return {
    environment: opts.endpoints.name,
    account: accountLabel(opts.endpoints.name, opts.credentials.apiKey),
    quoteAsset: opts.quoteAsset,
    balance: balance.toDecimalPlaces(8).toFixed(),
    atStakePercent: percent.toNumber(),
    atStakeAmount: atStake.toFixed(2),
  };
}

/** Whether the trader's confirmation names this account and amount. */
export function confirmationMatches(
  given: { account: string; atStakeAmount: string } | undefined,
  expected: LiveConfirmationDto,
): boolean {
  if (!given) return false;
  if (given.account !== expected.account) return false;
  try {
    return new Decimal(given.atStakeAmount).eq(expected.atStakeAmount);
  } catch {
    return false;
  }
}
