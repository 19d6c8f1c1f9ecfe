// The headlines chosen once for pages and digests, and one number as both show it.
import { describe, expect, it } from 'vitest';
import type { DayRow, PeriodRow } from '../../metrics/report.ts';
import { figure, headlines, headlineValue, HEADLINES, marksOf } from '../../pages/headlines.ts';

const day: DayRow = {
  date: '2026-03-01',
  values: { inbound_messages: 734, outbound_messages: 500, total_contacts: 1009, active_contacts: 56 },
  mostActiveHour: 9,
  provenance: {
    inbound_messages: { source: 'glific_stats', computedAt: '2026-03-02T00:00:00Z', runId: 1, definitionVersion: 2 },
    total_contacts: { source: 'snapshot', computedAt: '2026-03-04T00:00:00Z', runId: 1, definitionVersion: 2, late: true },
  },
  utcDayImport: true,
  lateSnapshot: true,
};

describe('the headlines', () => {
  it('are one list, read by the pages and the digests', () => {
    const on = (s: 'page' | 'digest') => HEADLINES.filter((h) => h.on.includes(s)).map((h) => h.key);
    expect(on('page')).toEqual(['billable_messages', 'delivered_marketing', 'delivered_utility', 'delivered_authentication', 'delivered_other', 'templates_delivered', 'templates_failed', 'templates_pending', 'active_contacts', 'new_contacts', 'service_windows', 'inbound_messages', 'outbound_messages', 'optins', 'flows_completed', 'error_messages']);
    expect(on('digest')).toEqual(['billable_messages', 'delivered_marketing', 'delivered_utility', 'delivered_authentication', 'templates_delivered', 'templates_failed', 'templates_pending', 'messages', 'active_contacts', 'new_contacts']);
    expect(headlines('digest', day.values, null).slice(-3).map((h) => [h.key, h.label, h.value])).toEqual([
      ['messages', 'Messages (inbound + outbound)', 1234],
      ['active_contacts', 'Active contacts', 56],
      ['new_contacts', 'New contacts', null],
    ]);
  });
});

describe('the bill and the templates (per-message pricing)', () => {
  const values = {
    templates_marketing: 40, templates_utility: 100, templates_authentication: 5, templates_other: 2,
    delivered_marketing: 30, delivered_utility: 90, delivered_authentication: 5, delivered_other: 1,
    templates_failed: 8, utility_in_window: 60, service_messages: 200, billable_messages: 65, conversations: 3,
  };
  const at = (from: string, to = from) => ({ from, to });

  it('leads with billable messages, estimated, saying the rule of the period', () => {
    const [bill] = headlines('page', values, null, undefined, at('2026-09-30'));
    expect(bill).toMatchObject({ key: 'billable_messages', label: 'Billable messages (estimated)', value: 65 });
    expect(bill.note).toBe('Estimated: delivered marketing and authentication templates, and utility templates sent outside a customer-service window.');
    expect(figure('billable_messages', values, null, undefined, at('2026-10-01')).note).toBe('Estimated: delivered marketing, utility and authentication templates, and delivered service messages.');
    expect(figure('billable_messages', values, null, undefined, at('2026-09-01', '2026-10-31')).note).toBe(
      'Estimated: until 30 September 2026, delivered marketing and authentication templates, and utility templates sent outside a customer-service window; from 1 October 2026, delivered marketing, utility and authentication templates, and delivered service messages.',
    );
    expect(figure('billable_messages', {}, null, undefined, at('2025-06-30')).note).toMatch(/^WhatsApp billed 24-hour conversations before 1 July 2025/);
    expect(figure('billable_messages', {}, null, undefined, at('2025-06-30')).value).toBeNull();
  });

  it('shows how template sends ended: delivered, failed, pending (neither yet)', () => {
    const byKey = Object.fromEntries(headlines('page', values, null, undefined, at('2026-03-01')).map((h) => [h.key, h.value]));
    expect(byKey).toMatchObject({ delivered_marketing: 30, delivered_utility: 90, delivered_authentication: 5, templates_delivered: 126, templates_failed: 8, templates_pending: 147 - 126 - 8 });
    expect(headlineValue({ ...values, templates_failed: null }, 'templates_pending')).toBeNull();
  });

  it('names BSP conversations free-entry-point from 1 July 2025, and keeps them out of the headlines', () => {
    expect(headlines('page', values, null, undefined, at('2026-03-01')).map((h) => h.key)).not.toContain('conversations');
    expect(figure('conversations', values, null, undefined, at('2025-07-01')).label).toBe('Free-entry-point conversations');
    expect(figure('conversations', values, null, undefined, at('2025-06-30')).label).toBe('Conversations billed by the BSP');
    expect(figure('conversations', values, null, undefined, at('2025-06-01', '2025-07-31')).label).toBe('Conversations reported by the BSP (free-entry-point only from 1 July 2025)');
  });
});

describe('one number', () => {
  it('sums messages from inbound and outbound, unknown when either is', () => {
    expect(headlineValue(day.values, 'messages')).toBe(1234);
    expect(headlineValue({ inbound_messages: 3, outbound_messages: null }, 'messages')).toBeNull();
    expect(headlineValue(null, 'active_contacts')).toBeNull();
  });

  it('carries its change only when its parts can be compared', () => {
    const compared = { values: { inbound_messages: 600, outbound_messages: 500, active_contacts: 50 }, against: '28 February 2026', comparable: (k: string) => k !== 'active_contacts' };
    expect(figure('messages', day.values, compared)).toMatchObject({ value: 1234, previous: 1100, change: { text: '+134 (+12.2%)', words: 'up 134 (12.2%) from 28 February 2026' } });
    expect(figure('active_contacts', day.values, compared)).toMatchObject({ value: 56, previous: null, change: null });
    expect(figure('messages', day.values, null)).toMatchObject({ previous: null, change: null });
  });

  it('is marked provisional by its day’s provenance, or by a period’s flags', () => {
    expect(marksOf('inbound_messages', day)).toEqual(['utc']);
    expect(marksOf('messages', day)).toEqual(['utc']);
    expect(marksOf('total_contacts', day)).toEqual(['late']);
    expect(marksOf('active_contacts', day)).toEqual([]);
    const month: PeriodRow = { kind: 'month', key: '2026-02', from: '2026-02-01', to: '2026-02-28', values: {}, mostActiveHour: null, closed: true, complete: true, utcDayImport: true, lateSnapshot: true };
    expect(marksOf('messages', month)).toEqual(['utc']); // Glific's stats fill message counts
    expect(marksOf('total_contacts', month)).toEqual(['late']); // a snapshot
    expect(marksOf('new_contacts', month)).toEqual([]); // stats.contacts is not imported
    expect(marksOf('messages', undefined)).toEqual([]);
  });
});
