// A digest as a reader's mail client gets it: rendered from a hand-made OrgReport, sent through
// nodemailer's stream transport, parsed back with mailparser, and opened in Chromium.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { DayRow, OrgReport } from '../metrics/report.ts';
import { renderDigest, type RenderedDigest } from '../mail/render.ts';
import { digestMessage } from '../mail/message.ts';
import { buildDigest } from '../mail/digest-model.ts';
import { svgToPixels } from '../mail/png.ts';
import { resolveRecipients, isValidEmail } from '../mail/recipients.ts';
import { hasChromium, launchChromium, warnIfNoChromium } from './support/browser.ts';

warnIfNoChromium('the digest screenshots');
const ARTIFACTS = path.resolve('test-artifacts');
const SITE = 'https://reports.example.org/';
const FROM = 'Glific Reports <reports@example.org>';
const ORG_NAME = 'Acme <script>alert("x")</script> & Sons';

function day(date: string, v: Partial<Record<string, number | null>>, extra: Partial<DayRow> = {}): DayRow {
  return { date, values: v, mostActiveHour: 14, provenance: {}, utcDayImport: false, lateSnapshot: false, ...extra };
}

/** The numbers a reader should find: 734 in + 500 out = 1,234 messages, 56 active contacts. */
function fixture(): OrgReport {
  const days: DayRow[] = [];
  for (let d = 1; d <= 28; d++) {
    const date = `2026-02-${String(d).padStart(2, '0')}`;
    days.push(day(date, { inbound_messages: 500, outbound_messages: 600, active_contacts: 50, new_contacts: 4, flows_completed: 20, total_contacts: 1000, opted_in_contacts: 700, opted_out_contacts: 40, non_opted_contacts: 260 }));
  }
  days.push(
    day('2026-03-01', {
      inbound_messages: 734, outbound_messages: 500, active_contacts: 56, new_contacts: 9, optins: 6, optouts: 2, flows_started: 33,
      flows_completed: 27, conversations: null, conversation_windows: 61, error_messages: 3, hsm_messages: 12, total_contacts: 1009,
      valid_contacts: 990, invalid_contacts: 10, blocked_contacts: 9, opted_in_contacts: 706, opted_out_contacts: 42, non_opted_contacts: 261,
      contacts_in_flows: 7,
    }, {
      mostActiveHour: 9,
      lateSnapshot: true,
      provenance: {
        total_contacts: { source: 'snapshot', computedAt: '2026-03-04T00:00:00Z', runId: 7, definitionVersion: 1, late: true },
        inbound_messages: { source: 'raw', computedAt: '2026-03-02T00:00:00Z', runId: 7, definitionVersion: 1 },
      },
    }),
  );
  const hourly: OrgReport['hourly'] = [];
  for (const d of days) {
    for (let h = 0; h < 24; h++) {
      const peak = d.date === '2026-03-01' && h === 9;
      hourly.push({ date: d.date, hour: h, inbound: peak ? 211 : 21, outbound: peak ? 105 : 25 });
    }
  }
  return {
    org: { id: 1, shortcode: 'acme', name: ORG_NAME, timezone: 'Asia/Kolkata', timezoneIsFallback: true, email: 'acme@example.org', bookmarks: {} },
    dataCutoff: '2026-03-01T18:30:00Z',
    generatedAt: '2026-03-02T01:00:00Z',
    days,
    months: [
      { kind: 'month', key: '2026-01', from: '2026-01-01', to: '2026-01-31', values: { inbound_messages: 14000, outbound_messages: 16000, active_contacts: 420 }, mostActiveHour: 10, closed: true, complete: true, utcDayImport: false, lateSnapshot: false },
      { kind: 'month', key: '2026-02', from: '2026-02-01', to: '2026-02-28', values: { inbound_messages: 14000, outbound_messages: 16800, active_contacts: 410, new_contacts: null }, mostActiveHour: 14, closed: true, complete: true, utcDayImport: true, lateSnapshot: false },
    ],
    ranges: [],
    hourly,
  };
}

interface MimeNode {
  type: string;
  headers: string;
  children: MimeNode[];
  body: string;
}

/** Just enough MIME to see the tree's shape (mailparser flattens it). */
function mimeTree(raw: string): MimeNode {
  const split = raw.indexOf('\n\n');
  const headers = raw.slice(0, split).replace(/\n[ \t]+/g, ' ');
  const body = raw.slice(split + 2);
  const ct = /^content-type:\s*([^;\n]+)(.*)$/im.exec(headers);
  const type = (ct?.[1] ?? 'text/plain').trim().toLowerCase();
  const boundary = /boundary="?([^";\n]+)"?/i.exec(ct?.[2] ?? '')?.[1];
  const children: MimeNode[] = [];
  if (type.startsWith('multipart/') && boundary) {
    const parts = body.split(`--${boundary}`);
    for (const p of parts.slice(1)) {
      if (p.startsWith('--')) break;
      children.push(mimeTree(p.replace(/^\n/, '')));
    }
  }
  return { type, headers, children, body };
}

async function toRaw(d: RenderedDigest, to: string[]): Promise<string> {
  const info = await nodemailer
    .createTransport({ streamTransport: true, buffer: true })
    .sendMail(digestMessage(d, { from: FROM, to, siteUrl: SITE, date: new Date('2026-03-02T01:00:00Z') }));
  return (info.message as Buffer).toString('utf8');
}

let daily: RenderedDigest;
let raw: string;
let mail: ParsedMail;

beforeAll(async () => {
  daily = await renderDigest(fixture(), 'daily', '2026-03-01', { siteUrl: SITE, from: FROM });
  raw = await toRaw(daily, ['someone@example.org']);
  mail = await simpleParser(raw, { keepCidLinks: true });
});

describe('digest message', () => {
  it('is multipart/alternative of text and (multipart/related html + inline PNGs)', () => {
    const root = mimeTree(raw.replace(/\r\n/g, '\n'));
    expect(root.type).toBe('multipart/alternative');
    expect(root.children.map((c) => c.type)).toEqual(['text/plain', 'multipart/related']);
    const related = root.children[1];
    expect(related.children[0].type).toBe('text/html');
    const images = related.children.slice(1);
    expect(images.length).toBeGreaterThanOrEqual(3);
    expect(images.length).toBeLessThanOrEqual(5);
    for (const img of images) {
      expect(img.type).toBe('image/png');
      expect(img.headers).toMatch(/^content-disposition:\s*inline/im);
      expect(img.headers).toMatch(/^content-id:\s*<[^>]+>/im);
    }
  });

  it('has an inline PNG for every cid: in the HTML and no image without one', () => {
    const html = String(mail.html);
    const cids = [...html.matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    const parts = mail.attachments.map((a) => a.contentId?.replace(/^<|>$/g, ''));
    expect(cids.length).toBe(daily.images.length);
    expect(new Set(cids)).toEqual(new Set(parts));
    for (const a of mail.attachments) {
      expect(a.contentType).toBe('image/png');
      expect(a.related).toBe(true);
      expect(a.content.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      // 2x: a 560 px wide image is at least 1000 px wide.
      expect(a.content.readUInt32BE(16)).toBeGreaterThan(900);
    }
    // No SVG, no data: URIs, no remote images.
    expect(html).not.toMatch(/<svg/i);
    expect(html).not.toMatch(/data:/i);
    const srcs = [...html.matchAll(/<img\b[^>]*\bsrc="([^"]*)"/gi)].map((m) => m[1]);
    expect(srcs.every((s) => s.startsWith('cid:'))).toBe(true);
  });

  it('gives every image alt text stating its numbers', () => {
    const imgs = [...String(mail.html).matchAll(/<img\b[^>]*>/gi)].map((m) => m[0]);
    expect(imgs.length).toBe(daily.images.length);
    for (const tag of imgs) {
      const alt = /\balt="([^"]*)"/.exec(tag)?.[1] ?? '';
      expect(alt.length).toBeGreaterThan(20);
      expect(alt).toMatch(/\d/);
    }
    const alts = imgs.map((t) => /\balt="([^"]*)"/.exec(t)![1]).join(' | ');
    // the peak hour of the fixture: 211 inbound + 105 outbound
    expect(alts).toContain('316 messages (211 inbound, 105 outbound)');
    expect(alts).toMatch(/706 contacts opted in/);
  });

  it('says org, period and a headline number in the subject', () => {
    expect(mail.subject).toBe(`[${ORG_NAME}] Daily report 2026-03-01: 1,234 messages, 56 active contacts`);
  });

  it('carries the same numbers in the text part', () => {
    const text = mail.text ?? '';
    expect(text).toContain('Messages (inbound + outbound): 1,234 (up 134 (12.2%) from 28 February 2026)');
    expect(text).toContain('Active contacts: 56 (up 6 (12%) from 28 February 2026)');
    expect(text).toContain('Outbound messages: 500 (previous 600; down 100 (16.7%))');
    expect(text).toContain('Most active hour: 09:00–10:00 (Asia/Kolkata)');
    // unknown is a dash, never 0
    expect(text).toContain('Free-entry-point conversations: — (previous —; no comparison)');
    // the bill leads, estimated, with the rule of the day; not known is a dash
    expect(text).toMatch(/^Billable messages \(estimated\): — \(.*\)\n  Estimated: delivered marketing and authentication templates, and utility templates sent outside a customer-service window\.$/m);
    expect(text).toContain('Full report: https://reports.example.org/acme/daily/2026-03-01.html');
    expect(text).toContain('Data up to 2026-03-02 00:00 Asia/Kolkata');
    expect(text).toMatch(/Total contacts \*: 1,009/);
    expect(text).toMatch(/\* Provisional: contact counts captured long after/);
    expect(text).toMatch(/no time zone set in Glific/);
    // untrusted text is not HTML-escaped in a text part
    expect(text).toContain(ORG_NAME);
  });

  it('shows the same numbers in the HTML, escaped, with dark-mode and phone styles kept', () => {
    const html = String(mail.html);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons');
    expect(html).toContain('1,234');
    expect(html).toContain('▲ +134 (+12.2%)');
    expect(html).toMatch(/Free-entry-point conversations<\/td>\s*<td[^>]*><strong>—<\/strong>/);
    expect(html).toContain('href="https://reports.example.org/acme/daily/2026-03-01.html"');
    expect(html).toMatch(/<meta name="color-scheme" content="light dark">/);
    expect(html).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(html).toMatch(/@media only screen and \(max-width: 480px\)/);
    // juice inlined the base styles
    expect(html).toMatch(/<td class="header" style="[^"]*background-color: #0b5d4b/);
    expect(html).toMatch(/<table[^>]*class="container"[^>]*width="600"/);
  });

  it('has List-Unsubscribe and List-Id headers', () => {
    const headers = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
    const unsub = headers.match(/^List-Unsubscribe: (.*)$/gim) ?? [];
    expect(unsub.length).toBe(1);
    expect(unsub[0]).toBe('List-Unsubscribe: <mailto:reports@example.org?subject=Unsubscribe%20acme%20daily%20report>, <https://reports.example.org/acme/>');
    expect(headers).toMatch(/^List-Id: <acme\.glific-reports\.reports\.example\.org>$/im);
    expect(headers).toMatch(/^Auto-Submitted: auto-generated$/m);
    expect(mail.from?.value[0].address).toBe('reports@example.org');
  });

  it('renders a monthly digest with provisional UTC-day values marked', async () => {
    const m = await renderDigest(fixture(), 'monthly', '2026-02', { siteUrl: SITE, from: FROM });
    expect(m.subject).toBe(`[${ORG_NAME}] Monthly report 2026-02: 30,800 messages, 410 active contacts`);
    expect(m.text).toContain('Messages (inbound + outbound) †: 30,800 (up 800 (2.7%) from January 2026)');
    // Glific's stats.contacts is not imported (definition version 2): new contacts carry no † mark.
    expect(m.text).toContain('New contacts: —');
    expect(m.text).toMatch(/† Provisional: imported from Glific's own statistics, which cover the UTC days/);
    expect(m.images.length).toBeGreaterThanOrEqual(3);
    expect(m.images.length).toBeLessThanOrEqual(5);
  });
});

describe('digest numbers', () => {
  it('words the summary line with the same changes, spelled out', () => {
    const d = buildDigest(fixture(), 'daily', '2026-03-01', SITE);
    expect(d.summary).toBe('1,234 messages (up 134 (12.2%)), 56 active contacts (up 6 (12%)), most active hour 09:00–10:00.');
    expect(d.tiles.map((t) => t.key)).toEqual(['billable_messages', 'delivered_marketing', 'delivered_utility', 'delivered_authentication', 'templates_delivered', 'templates_failed', 'templates_pending', 'messages', 'active_contacts', 'new_contacts']);
  });

  it('says when it is sent late, and when it was due, in the org zone', () => {
    const late = buildDigest(fixture(), 'daily', '2026-03-01', SITE, { lateSince: '2026-03-01T21:00:00.000Z' });
    expect(late.notes[0]).toMatch(/^This report is late: it was due 2026-03-02 02:30 Asia\/Kolkata/);
    expect(buildDigest(fixture(), 'daily', '2026-03-01', SITE).notes.some((n) => /^This report is late/.test(n))).toBe(false);
  });

  it('refuses a period the report does not hold', () => {
    expect(() => buildDigest(fixture(), 'daily', '2026-03-05', SITE)).toThrow(/no day 2026-03-05/);
  });
});

describe('chart PNGs', () => {
  it('draw text only with the shipped font', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="10" y="28" font-family="DejaVu Sans" font-size="20" fill="black">Inbound 1,234</text></svg>';
    const ink = (p: Buffer) => {
      let n = 0;
      for (let i = 0; i < p.length; i += 4) if (p[i] < 200 || p[i + 1] < 200 || p[i + 2] < 200) n++;
      return n;
    };
    const withFont = ink(svgToPixels(svg, { withFont: true }).pixels);
    const without = ink(svgToPixels(svg, { withFont: false }).pixels);
    expect(without).toBe(0);
    expect(withFont).toBeGreaterThan(500);
  });
});

describe('recipients', () => {
  const override = (email: string, kind: 'daily' | 'monthly' | 'all', action: 'add' | 'remove') => ({ orgId: 1, orgShortcode: 'acme', kind, email, action, note: null, updatedAt: new Date(0) });
  it('deduplicates case-insensitively, drops invalid addresses, and applies overrides by specificity', () => {
    const r = resolveRecipients(
      [
        { email: 'Org@Example.org', source: 'organization' },
        { email: 'org@example.org', source: 'user' },
        { email: 'not an address', source: 'user' },
        { email: 'boss@example.org', source: 'user' },
        { email: 'mgr@example.org', source: 'user' },
      ],
      [override('boss@example.org', 'all', 'remove'), override('boss@example.org', 'daily', 'add'), override('mgr@example.org', 'all', 'remove'), override('EXTRA@example.org', 'daily', 'add')],
      'daily',
    );
    expect(r.recipients.map((x) => x.email)).toEqual(['org@example.org', 'boss@example.org', 'extra@example.org']);
    expect(r.excluded).toEqual([
      { email: 'not an address', reason: 'invalid address' },
      { email: 'mgr@example.org', reason: 'removed by an operator' },
    ]);
    expect(isValidEmail('a@b')).toBe(false);
    expect(isValidEmail('a..b@example.org')).toBe(false);
    expect(isValidEmail('a.b+tag@sub.example.org')).toBe(true);
  });
});

describe('digest in a browser', () => {
  it.skipIf(!hasChromium)('fits 600 px and a 360 px phone, light and dark (screenshots in test-artifacts/)', async () => {
    mkdirSync(path.join(ARTIFACTS, 'mail'), { recursive: true });
    // Materialise the cid: images as files next to the HTML, as a mail client would show them.
    let html = String(mail.html);
    for (const a of mail.attachments) {
      const cid = a.contentId!.replace(/^<|>$/g, '');
      const file = `digest-${a.filename}`;
      writeFileSync(path.join(ARTIFACTS, 'mail', file), a.content);
      html = html.split(`cid:${cid}`).join(file);
    }
    const page = path.join(ARTIFACTS, 'mail', 'digest-daily.html');
    writeFileSync(page, html);
    const browser = await launchChromium();
    try {
      for (const [width, scheme] of [[600, 'light'], [360, 'light'], [360, 'dark']] as const) {
        const ctx = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        const p = await ctx.newPage();
        await p.goto('file://' + page);
        const state = await p.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          images: [...document.images].map((i) => ({ w: i.naturalWidth, shown: i.getBoundingClientRect().width, alt: i.alt })),
          bodyBg: getComputedStyle(document.querySelector('.container')!).backgroundColor,
        }));
        expect(state.scrollWidth).toBeLessThanOrEqual(width);
        expect(state.images.length).toBe(mail.attachments.length);
        for (const i of state.images) {
          expect(i.w).toBeGreaterThan(0);
          expect(i.shown).toBeLessThanOrEqual(width);
          expect(i.alt.length).toBeGreaterThan(20);
        }
        expect(state.bodyBg).toBe(scheme === 'dark' ? 'rgb(28, 31, 34)' : 'rgb(255, 255, 255)');
        await p.screenshot({ path: path.join(ARTIFACTS, `mail-digest-${width}-${scheme}.png`), fullPage: true });
        await ctx.close();
      }
    } finally {
      await browser.close();
    }
  });
});
