// WhatsApp's per-message pricing rules by local date (METRICS.md §3a): which delivered messages
// a day's `billable_messages` counts. Each change of this table is a definition change (bump
// DEFINITION_VERSION). Before the first rule WhatsApp billed 24-hour conversations: no value.
import type { DayValues } from './family.ts';

/** The day's values a rule reads. */
export type PricingInputs = 'delivered_marketing' | 'delivered_utility' | 'delivered_authentication' | 'utility_in_window' | 'service_messages';

export interface PricingRule {
  /** First and last local date the rule is in force, both inclusive ('YYYY-MM-DD'; to null: still in force). */
  from: string;
  to: string | null;
  /** The rule in words, for pages and digests next to the estimate. */
  words: string;
  /** The keys added and subtracted, as METRICS.md writes the rule. */
  plus: readonly PricingInputs[];
  minus: readonly PricingInputs[];
}

export const PRICING_RULES: readonly PricingRule[] = [
  // Marketing and authentication templates, and utility templates outside the customer-service window.
  { from: '2025-07-01', to: '2026-09-30', words: 'delivered marketing and authentication templates, and utility templates sent outside a customer-service window', plus: ['delivered_marketing', 'delivered_authentication', 'delivered_utility'], minus: ['utility_in_window'] },
  // Every delivered template, and service messages too (Meta, announced 2026-07-01).
  { from: '2026-10-01', to: null, words: 'delivered marketing, utility and authentication templates, and delivered service messages', plus: ['delivered_marketing', 'delivered_authentication', 'delivered_utility', 'service_messages'], minus: [] },
];

/** The first day WhatsApp billed per message instead of per 24-hour conversation. */
export const PER_MESSAGE_PRICING_FROM = PRICING_RULES[0].from;

/** The rules in force on some day of [from, to], in date order. */
export function pricingRulesDuring(from: string, to: string): PricingRule[] {
  return PRICING_RULES.filter((r) => r.from <= to && (r.to === null || r.to >= from));
}

/**
 * What `conversations` counts, named for the days it covers: since per-message pricing the BSP
 * reports a conversation only for free-entry-point traffic, never a billing figure (METRICS.md §3).
 */
export function conversationsLabel(from: string, to: string): string {
  if (from >= PER_MESSAGE_PRICING_FROM) return 'Free-entry-point conversations';
  if (to < PER_MESSAGE_PRICING_FROM) return 'Conversations billed by the BSP';
  return 'Conversations reported by the BSP (free-entry-point only from 1 July 2025)';
}

export function pricingRuleOn(date: string): PricingRule | undefined {
  return PRICING_RULES.find((r) => date >= r.from && (r.to === null || date <= r.to));
}

/** The messages WhatsApp bills for a day; undefined when no rule applies or a value it reads is not known. */
export function billableMessages(day: DayValues<PricingInputs>, date: string): number | undefined {
  const rule = pricingRuleOn(date);
  if (!rule) return undefined;
  let total = 0;
  for (const [keys, sign] of [[rule.plus, 1], [rule.minus, -1]] as const) {
    for (const k of keys) {
      const v = day[k];
      if (v === undefined || v === null || !Number.isFinite(v)) return undefined;
      total += sign * v;
    }
  }
  return total;
}
