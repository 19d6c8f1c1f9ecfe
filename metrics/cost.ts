// The estimated cost of billable messages: the operator's rate card (config/rate-card.ts) applied
// to each day's counts under the pricing rule of that day (metrics/pricing.ts). Not a metric and
// never stored: it changes whenever the operator changes the card.
import { priceOn, type RateCard, type RateCategory } from '../config/rate-card.ts';
import { pricingRuleOn, type PricingInputs } from './pricing.ts';

/** Which price a count of the rule is charged at. */
const CATEGORY_OF: Record<PricingInputs, RateCategory> = {
  delivered_marketing: 'marketing',
  delivered_authentication: 'authentication',
  delivered_utility: 'utility',
  utility_in_window: 'utility',
  service_messages: 'service',
};

export interface Cost {
  currency: string;
  /** Millionths of the currency unit; null: not known (a count, or a price that is needed, is missing). */
  micros: number | null;
  /** Days of the period with a billable estimate, whose cost is in `micros`. */
  days: number;
}

type Values = Readonly<Partial<Record<string, number | null>>>;

/**
 * One day's cost in millionths. undefined: nothing to price (no rule that day, or a count the rule
 * reads is not known, so the day has no billable_messages either); null: a price it needs is missing.
 */
export function dayCost(card: RateCard, date: string, values: Values): number | null | undefined {
  const rule = pricingRuleOn(date);
  if (!rule) return undefined;
  let total = 0;
  for (const [keys, sign] of [[rule.plus, 1], [rule.minus, -1]] as const) {
    for (const k of keys) {
      const n = values[k];
      if (n === null || n === undefined) return undefined;
      if (n === 0) continue;
      const price = priceOn(card, CATEGORY_OF[k], date);
      if (price === undefined) return null;
      total += sign * n * price;
    }
  }
  return total;
}

/**
 * The cost of the days of a period that have a billable estimate: their sum, like
 * billable_messages (METRICS.md §6); not known when a price one of them needs is missing; null
 * when no day has an estimate.
 */
export function periodCost(card: RateCard, days: ReadonlyArray<{ date: string; values: Values }>): Cost | null {
  let micros: number | null = 0;
  let counted = 0;
  for (const d of days) {
    const c = dayCost(card, d.date, d.values);
    if (c === undefined) continue;
    counted++;
    micros = c === null || micros === null ? null : micros + c;
  }
  return counted === 0 ? null : { currency: card.currency, micros, days: counted };
}
