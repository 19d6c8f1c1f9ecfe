// A rendered digest as a nodemailer message: multipart/alternative of text and
// (multipart/related HTML + inline PNGs), with list headers so that mail clients offer
// "unsubscribe" and filters can match one org's digests.
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { RenderedDigest } from './render.ts';
import { bareAddress, safeToken } from './render.ts';

export interface MessageOptions {
  from: string;
  to: string[];
  siteUrl: string;
  date: Date;
}

/** `<shortcode>.glific-reports.<host>`: the site's host, else the sender's domain. */
export function listId(shortcode: string, siteUrl: string, from: string): string {
  let host = '';
  try {
    const u = new URL(siteUrl);
    if (u.protocol === 'http:' || u.protocol === 'https:') host = u.hostname;
  } catch {
    // not a URL: fall back to the sender's domain
  }
  if (!host) host = bareAddress(from).split('@')[1] ?? '';
  host = host.toLowerCase().replace(/[^a-z0-9.-]/g, '') || 'localhost';
  return `${safeToken(shortcode).toLowerCase()}.glific-reports.${host}`;
}

export function digestMessage(d: RenderedDigest, opts: MessageOptions): Mail.Options {
  const unsubscribe: string[] = [d.unsubscribeMailto];
  if (/^https?:\/\//i.test(opts.siteUrl)) unsubscribe.push(`${opts.siteUrl.replace(/\/+$/, '')}/${encodeURIComponent(d.model.org.shortcode)}/`);
  return {
    from: opts.from,
    to: opts.to,
    subject: d.subject,
    date: opts.date,
    text: d.text,
    html: d.html,
    attachments: d.images.map((img) => ({
      filename: img.filename,
      content: img.png,
      contentType: 'image/png',
      cid: img.cid,
      contentDisposition: 'inline' as const,
    })),
    // Nested array: one List-Unsubscribe header listing both (RFC 2369), not two headers.
    list: { unsubscribe: [unsubscribe] },
    headers: {
      'List-Id': `<${listId(d.model.org.shortcode, opts.siteUrl, opts.from)}>`,
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
    },
  };
}
