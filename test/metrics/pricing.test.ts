// Templates by category, delivery, customer-service windows and billable messages (METRICS.md
// §3a) on purpose-built fixtures, with hand-computed expectations. Every org is in Asia/Kolkata
// (+05:30): fixture times are Glific's UTC values, comments give the local time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erroredSend, failedSend, refusedSend } from '../../demo/glific/fixture.ts';
import { billableMessages, pricingRuleOn } from '../../metrics/pricing.ts';
import type { OrgReport } from '../../metrics/report.ts';
import { dayValues, pipeline, type Pipeline } from '../support/pipeline.ts';

// Far after every fixture day: only the rows Glific still holds decide which days can be counted.
const NOW = '2026-12-01T00:00:00Z';

const YOUNG_NOW = '2026-11-21T06:00:00Z';
const TEMPLATE_KEYS = ['templates_marketing', 'templates_utility', 'templates_authentication', 'templates_other'] as const;
const range = (r: OrgReport, from: string, to: string) => r.ranges.find((x) => x.key === `${from}_${to}`)!.values;

describe('templates, delivery, service windows and billable messages', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await pipeline('pricing');
    const fx = p.fx;

    // --- categories and outcomes, local 2026-03-10 = UTC [03-09 18:30, 03-10 18:30) -------------
    const cat = await fx.org({ shortcode: 'cat' });
    const contact = (orgId: number) => fx.contact(orgId, { insertedAt: '2026-01-01 00:00:00' });
    const [ca, cb, cc] = [await contact(cat.id), await contact(cat.id), await contact(cat.id)];
    const marketing = await fx.template(cat.id, { category: 'MARKETING' });
    const utility = await fx.template(cat.id, { category: 'utility' }); // case varies
    const auth = await fx.template(cat.id, { category: 'Authentication' });
    const legacy = await fx.template(cat.id, { category: 'TRANSACTIONAL' });
    const noCategory = await fx.template(cat.id, { category: null });
    const deleted = await fx.template(cat.id, { category: 'MARKETING' });
    const reply = await fx.template(cat.id, { isHsm: false, label: 'Office hours' });
    const send = (contactId: number, insertedAt: string, templateId: number | null, extra: object = {}) =>
      fx.message(cat.id, { contactId, flow: 'outbound', insertedAt, isHsm: templateId !== null, templateId, ...extra });
    // The oldest inbound message held, long enough before the days below for their windows to be known.
    await fx.message(cat.id, { contactId: cc, flow: 'inbound', insertedAt: '2026-03-01 00:00:00' });
    await fx.message(cat.id, { contactId: ca, flow: 'inbound', insertedAt: '2026-03-09 23:00:00' }); // 04:30, a's first: opens a window
    await send(ca, '2026-03-10 01:00:00', marketing); // delivered
    await send(ca, '2026-03-10 02:00:00', utility); // delivered, inside a's window
    await send(cb, '2026-03-10 02:00:00', utility, { bspStatus: 'read' }); // delivered (read), b never wrote: outside
    await send(cb, '2026-03-10 03:00:00', auth);
    await send(cc, '2026-03-10 03:00:00', legacy); // other, delivered
    await send(cc, '2026-03-10 04:00:00', noCategory, { bspStatus: 'enqueued' }); // other, pending
    await send(cc, '2026-03-10 05:00:00', deleted, failedSend(131049)); // other once deleted, failed
    await send(ca, '2026-03-10 06:00:00', marketing, refusedSend('Invalid Destination')); // failed
    await send(cb, '2026-03-10 07:00:00', utility, erroredSend()); // failed before reaching the BSP
    await send(cb, '2026-03-10 07:30:00', utility, { bspStatus: 'delivered', errors: { code: 1 } }); // delivered, yet failed: not delivered
    await fx.message(cat.id, { contactId: ca, flow: 'outbound', insertedAt: '2026-03-10 08:00:00', templateId: reply }); // saved reply: a service message
    await fx.message(cat.id, { contactId: ca, flow: 'outbound', insertedAt: '2026-03-10 08:30:00' }); // free-form, delivered
    await fx.message(cat.id, { contactId: cb, flow: 'outbound', insertedAt: '2026-03-10 09:00:00', bspStatus: 'sent' }); // not delivered
    await fx.message(cat.id, { contactId: ca, flow: 'outbound', insertedAt: '2026-03-10 09:30:00', errors: { code: 1 } }); // failed
    await send(cat.simulatorContactIds[0], '2026-03-10 10:00:00', utility); // simulator: never counts
    await fx.message(cat.id, { contactId: cat.simulatorContactIds[0], flow: 'inbound', insertedAt: '2026-03-10 10:00:00' });
    await fx.message(cat.id, { contactId: cat.contactId, flow: 'outbound', insertedAt: '2026-03-10 10:00:00' }); // the org's own contact
    await fx.deleteTemplate(deleted);
    // Another org's identical traffic at the same instants never leaks in.
    const other = await fx.org({ shortcode: 'other' });
    const [o1, o2] = [await contact(other.id), await contact(other.id)];
    const oMarketing = await fx.template(other.id, { category: 'MARKETING' });
    const oUtility = await fx.template(other.id, { category: 'UTILITY' });
    await fx.message(other.id, { contactId: o2, flow: 'inbound', insertedAt: '2026-03-01 00:00:00' });
    await fx.message(other.id, { contactId: o1, flow: 'inbound', insertedAt: '2026-03-09 23:00:00' });
    await fx.message(other.id, { contactId: o1, flow: 'outbound', insertedAt: '2026-03-10 01:00:00', isHsm: true, templateId: oMarketing });
    await fx.message(other.id, { contactId: o1, flow: 'outbound', insertedAt: '2026-03-10 02:00:00', isHsm: true, templateId: oUtility });

    // --- window edges, local 03-12 and 03-13; T0 = 03-11 20:00 UTC (03-12 01:30) --------------
    const [d, e, f, g, h] = [await contact(cat.id), await contact(cat.id), await contact(cat.id), await contact(cat.id), await contact(cat.id)];
    const inbound = (contactId: number, insertedAt: string) => fx.message(cat.id, { contactId, flow: 'inbound', insertedAt });
    for (const x of [d, e, h]) await inbound(x, '2026-03-11 20:00:00'); // each opens a window on 03-12
    await send(d, '2026-03-12 19:59:59.999999', utility); // 03-13 01:29:59.999999: 1 µs inside d's window
    await send(d, '2026-03-12 20:00:00', utility); // 03-13 01:30: exactly 24 h after d's inbound, outside
    await inbound(e, '2026-03-12 20:00:00'); // exactly 24 h after e's previous: opens a new window (03-13)
    await inbound(e, '2026-03-12 21:00:00'); // inside it: opens nothing
    await inbound(h, '2026-03-12 19:59:59.999999'); // 1 µs before 24 h: opens nothing (03-13)
    await send(f, '2026-03-12 10:00:00', utility); // 15:30, and f writes at the same instant (a higher id): inside
    await inbound(f, '2026-03-12 10:00:00'); // opens f's window
    await inbound(g, '2026-03-12 11:00:00'); // two inbound messages at one instant: the lower id opens
    await inbound(g, '2026-03-12 11:00:00');

    expect((await p.run({ job: 'range', from: '2026-03-10', to: '2026-03-13', orgs: ['cat', 'other'] }, NOW)).exitCode).toBe(0);

    // --- pricing rule boundaries, where the UTC date is the day before the local one ----------
    const prc = await fx.org({ shortcode: 'prc' });
    const [p1, p2] = [await fx.contact(prc.id, { insertedAt: '2025-01-01 00:00:00' }), await fx.contact(prc.id, { insertedAt: '2025-01-01 00:00:00' })];
    const pm = await fx.template(prc.id, { category: 'MARKETING' });
    const pu = await fx.template(prc.id, { category: 'UTILITY' });
    const pricingSend = (contactId: number, insertedAt: string, templateId: number | null) =>
      fx.message(prc.id, { contactId, flow: 'outbound', insertedAt, isHsm: templateId !== null, templateId });
    await fx.message(prc.id, { contactId: p2, flow: 'inbound', insertedAt: '2025-06-01 00:00:00' }); // the oldest inbound held
    for (const [before, after] of [['2025-06-30 18:29:59.999999', '2025-06-30 18:30:00'], ['2026-09-30 18:29:59.999999', '2026-09-30 18:30:00']]) {
      // `before` is 23:59:59.999999 on 06-30 / 09-30, `after` is 00:00 on 07-01 / 10-01.
      await fx.message(prc.id, { contactId: p1, flow: 'inbound', insertedAt: before.replace(/18:29:59.999999/, '18:00:00') }); // 23:30: p1's window opens
      for (const t of [before, after]) {
        await pricingSend(p1, t, pm);
        await pricingSend(p1, t, pu); // inside p1's window
        await pricingSend(p2, t, pu); // outside p2's window
        await pricingSend(p1, t, null); // a service message
      }
    }
    expect((await p.run({ job: 'range', from: '2025-06-30', to: '2025-07-01', orgs: ['prc'] }, NOW)).exitCode).toBe(0);
    expect((await p.run({ job: 'range', from: '2026-09-30', to: '2026-10-01', orgs: ['prc'] }, NOW)).exitCode).toBe(0);

    // --- the first day with 24 hours of inbound history held -----------------------------------
    const old = await fx.org({ shortcode: 'old' });
    const q = await fx.contact(old.id, { insertedAt: '2025-01-01 00:00:00' });
    const qu = await fx.template(old.id, { category: 'UTILITY' });
    await fx.stat(old.id, { period: 'day', date: '2026-04-29', hsm: 5, inbound: 7 }); // before the raw data
    await fx.message(old.id, { contactId: q, flow: 'outbound', insertedAt: '2026-04-30 10:00:00', isHsm: true, templateId: qu }); // the oldest message held
    await fx.message(old.id, { contactId: q, flow: 'inbound', insertedAt: '2026-05-01 18:30:00' }); // the oldest inbound: 05-02 00:00
    await fx.message(old.id, { contactId: q, flow: 'outbound', insertedAt: '2026-05-01 19:00:00', isHsm: true, templateId: qu }); // 05-02 00:30
    await fx.message(old.id, { contactId: q, flow: 'inbound', insertedAt: '2026-05-02 12:00:00' }); // 05-02 17:30
    await fx.message(old.id, { contactId: q, flow: 'inbound', insertedAt: '2026-05-02 19:00:00' }); // 05-03 00:30, 7 h later: opens nothing
    await fx.message(old.id, { contactId: q, flow: 'outbound', insertedAt: '2026-05-02 19:30:00', isHsm: true, templateId: qu }); // 05-03 01:00, inside
    expect((await p.run({ job: 'range', from: '2026-04-29', to: '2026-05-03', orgs: ['old'] }, NOW)).exitCode).toBe(0);

    // --- a young org's first day, the night after: nothing can have been purged yet -----------
    const young = await fx.org({ shortcode: 'young' });
    const y = await fx.contact(young.id, { insertedAt: '2026-11-20 04:00:00' });
    const yu = await fx.template(young.id, { category: 'UTILITY' });
    await fx.message(young.id, { contactId: y, flow: 'inbound', insertedAt: '2026-11-20 04:30:00' }); // 10:00, its first message
    await fx.message(young.id, { contactId: y, flow: 'outbound', insertedAt: '2026-11-20 05:00:00', isHsm: true, templateId: yu }); // 10:30, inside
    expect((await p.run({ job: 'daily', date: '2026-11-20', orgs: ['young'] }, YOUNG_NOW)).exitCode).toBe(0);
  });
  afterAll(async () => p?.close());

  it('counts template sends by their template’s current category, whatever their outcome', async () => {
    const v = dayValues(await p.report('cat', NOW), '2026-03-10');
    expect(v).toMatchObject({
      templates_marketing: 2, // one delivered, one refused
      templates_utility: 4, // a's and b's delivered, b's errored, b's "delivered" with errors
      templates_authentication: 1,
      templates_other: 3, // legacy category, NULL category, deleted template
      hsm_messages: 10,
    });
    expect(TEMPLATE_KEYS.reduce((s, k) => s + v[k]!, 0)).toBe(v.hsm_messages);
  });

  it('counts delivered (delivered or read, and not failed) and failed template sends', async () => {
    expect(dayValues(await p.report('cat', NOW), '2026-03-10')).toMatchObject({
      delivered_marketing: 1,
      delivered_utility: 2,
      delivered_authentication: 1,
      delivered_other: 1,
      templates_failed: 4, // deleted template's failed event, refused, errored, errors with bsp_status delivered
      error_messages: 5,
    });
  });

  it('counts delivered non-template sends as service messages, a saved reply with a template_id among them', async () => {
    expect(dayValues(await p.report('cat', NOW), '2026-03-10')).toMatchObject({ service_messages: 2, outbound_messages: 14 });
  });

  it('counts utility templates inside the window and the windows opened, with exact 24-hour edges', async () => {
    const r = await p.report('cat', NOW);
    // 03-10: a's inbound opens; a's utility send is inside, b's outside.
    expect(dayValues(r, '2026-03-10')).toMatchObject({ service_windows: 1, utility_in_window: 1, billable_messages: 1 + 1 + 2 - 1 });
    // 03-12: d, e, h at T0, f, and g once; f's send is inside thanks to the inbound at the same instant.
    expect(dayValues(r, '2026-03-12')).toMatchObject({ service_windows: 5, templates_utility: 1, delivered_utility: 1, utility_in_window: 1, billable_messages: 0 });
    // 03-13: e's inbound exactly 24 h later opens, h's 1 µs earlier does not; d's send 1 µs before 24 h is inside, at 24 h outside.
    expect(dayValues(r, '2026-03-13')).toMatchObject({ service_windows: 1, templates_utility: 2, delivered_utility: 2, utility_in_window: 1, billable_messages: 1 });
    expect(dayValues(r, '2026-03-11')).toMatchObject({ service_windows: 0, utility_in_window: 0, templates_utility: 0, billable_messages: 0 });
  });

  it('reads the 24 hours before a run’s first day', async () => {
    expect((await p.run({ job: 'daily', date: '2026-03-13', orgs: ['cat'] }, NOW)).exitCode).toBe(0);
    expect(dayValues(await p.report('cat', NOW), '2026-03-13')).toMatchObject({ service_windows: 1, utility_in_window: 1 });
  });

  it('never mixes organizations', async () => {
    expect(dayValues(await p.report('other', NOW), '2026-03-10')).toMatchObject({
      templates_marketing: 1, templates_utility: 1, delivered_marketing: 1, delivered_utility: 1, utility_in_window: 1, service_windows: 1, service_messages: 0,
    });
  });

  it('applies the pricing rule of the local date: none before 2025-07-01, utility in the window free until 2026-09-30', async () => {
    const r = await p.report('prc', NOW);
    const each = { templates_marketing: 1, templates_utility: 2, delivered_marketing: 1, delivered_utility: 2, utility_in_window: 1, service_messages: 1, service_windows: 1 };
    expect(dayValues(r, '2025-06-30')).toMatchObject({ ...each, billable_messages: null });
    expect(dayValues(r, '2025-07-01')).toMatchObject({ ...each, service_windows: 0, billable_messages: 1 + 2 - 1 });
    expect(dayValues(r, '2026-09-30')).toMatchObject({ ...each, billable_messages: 1 + 2 - 1 });
    expect(dayValues(r, '2026-10-01')).toMatchObject({ ...each, service_windows: 0, billable_messages: 1 + 2 + 1 });
    // A range sums the days that have a value (METRICS.md §6); the other keys every day.
    expect(range(r, '2025-06-30', '2025-07-01')).toMatchObject({ billable_messages: 2, delivered_utility: 4, utility_in_window: 2 });
    expect(range(r, '2026-09-30', '2026-10-01')).toMatchObject({ billable_messages: 6, service_messages: 2 });
  });

  it('leaves window keys empty on a day starting less than 24 hours after the oldest inbound message held', async () => {
    const r = await p.report('old', NOW);
    // Before the raw data: only keys with a `stats` column are imported.
    expect(dayValues(r, '2026-04-29')).toMatchObject({ hsm_messages: 5, inbound_messages: 7, templates_utility: null, service_windows: null, billable_messages: null });
    expect(dayValues(r, '2026-04-30')).toMatchObject({ templates_utility: 1, delivered_utility: 1, service_windows: null, utility_in_window: null, billable_messages: null });
    // 05-02 starts at the oldest inbound message itself.
    expect(dayValues(r, '2026-05-02')).toMatchObject({ templates_utility: 1, delivered_utility: 1, service_windows: null, utility_in_window: null, billable_messages: null });
    // 05-03 starts exactly 24 hours after it: countable.
    expect(dayValues(r, '2026-05-03')).toMatchObject({ templates_utility: 1, delivered_utility: 1, service_windows: 0, utility_in_window: 1, billable_messages: 0 });
    // A range with an unknown day: unknown, except billable_messages (the days that have one).
    expect(range(r, '2026-04-29', '2026-05-03')).toMatchObject({ utility_in_window: null, service_windows: null, billable_messages: 0 });
  });

  it('counts windows on the days Glific surely still holds the 24 hours before, even right after the oldest inbound message', async () => {
    // Since 2026-10-01 utility templates inside the window are billed too.
    expect(dayValues(await p.report('young', YOUNG_NOW), '2026-11-20')).toMatchObject({ service_windows: 1, utility_in_window: 1, delivered_utility: 1, billable_messages: 1 });
  });
});

describe('pricing rules by local date', () => {
  const day = { delivered_marketing: 3, delivered_authentication: 2, delivered_utility: 5, utility_in_window: 4, service_messages: 7 };
  it('has no rule before per-message pricing, and one rule per day after', () => {
    expect(pricingRuleOn('2025-06-30')).toBeUndefined();
    expect(billableMessages(day, '2025-06-30')).toBeUndefined();
    expect(billableMessages(day, '2025-07-01')).toBe(3 + 2 + 5 - 4);
    expect(billableMessages(day, '2026-09-30')).toBe(3 + 2 + 5 - 4);
    expect(billableMessages(day, '2026-10-01')).toBe(3 + 2 + 5 + 7);
  });
  it('is not known when a value the rule reads is not', () => {
    expect(billableMessages({ ...day, utility_in_window: undefined }, '2026-09-30')).toBeUndefined();
    expect(billableMessages({ ...day, utility_in_window: undefined }, '2026-10-01')).toBe(17);
  });
});
