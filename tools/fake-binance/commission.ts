import { Decimal } from '../../electron/core/money/decimal';
import type { Account } from './accounts';

/**
 * Commission in BNB (faqs/commission_faq.md "How is the commission calculated?"): when the account
 * pays in BNB and its free BNB covers it, the standard commission is converted into BNB at the
 * exchange rate and multiplied by the discount ("Standard commission is reduced by this rate when
 * paying commission in BNB", GET /api/v3/account/commission); otherwise ("If you do not have enough
 * BNB to pay the discounted commission") the full commission is taken from the received asset.
 */

/** Binance's BNB discount rate as GET /api/v3/account/commission reports it. */
export const BNB_DISCOUNT = new Decimal('0.75');

/**
 * The BNB commission for a trade whose standard commission is worth `valueInQuote` of the quote
 * asset, or undefined when the account does not pay in BNB, there is no BNB price in that quote
 * (`bnbPrice` undefined), or its free BNB does not cover it.
 */
export function bnbCommission(
  account: Account,
  valueInQuote: Decimal,
  bnbPrice: Decimal | undefined,
): Decimal | undefined {
  if (!account.bnbBurn || !bnbPrice || bnbPrice.lte(0)) return undefined;
  const bnb = valueInQuote.mul(BNB_DISCOUNT).div(bnbPrice).toDecimalPlaces(8);
  if (bnb.lte(0) || account.free('BNB').lt(bnb)) return undefined;
  return bnb;
}
