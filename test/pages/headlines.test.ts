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
    expect(on('page')).toEqual(['active_contacts', 'new_contacts', 'inbound_messages', 'outbound_messages', 'conversations', 'optins', 'flows_completed', 'error_messages']);
    expect(on('digest')).toEqual(['messages', 'active_contacts', 'new_contacts', 'flows_completed']);
    expect(headlines('digest', day.values, null).map((h) => [h.key, h.label, h.value])).toEqual([
      ['messages', 'Messages (inbound + outbound)', 1234],
      ['active_contacts', 'Active contacts', 56],
      ['new_contacts', 'New contacts', null],
      ['flows_completed', 'Flows completed', null],
    ]);
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
