// `glific-reports recipients …`: who receives each organization's digests, changed without code.
// Defaults come from Glific (the org's email, its admins' and managers' emails); what operators
// add or remove per org and digest kind is kept in the results store (mail/recipients.ts).
import { parseArgs } from 'node:util';
import type { Config } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import type { Log } from '../lib/log.ts';
import { listOrgs } from '../extract/orgs.ts';
import { migrateStore } from '../store/connect.ts';
import { addRecipient, clearRecipient, digestRecipients, isValidEmail, listRecipients, removeRecipient, type RecipientKind } from '../mail/recipients.ts';
import { openContext } from './context.ts';
import type { CliIo } from './io.ts';

export const RECIPIENTS_USAGE = `glific-reports recipients show   --org SC [--kind daily|monthly] [--json]   (who gets the digest now)
  glific-reports recipients list   [--org SC] [--json]                        (the operators' changes)
  glific-reports recipients add    --org SC --email ADDRESS [--kind daily|monthly|all] [--note TEXT]
  glific-reports recipients remove --org SC --email ADDRESS [--kind daily|monthly|all] [--note TEXT]
  glific-reports recipients clear  --org SC --email ADDRESS [--kind daily|monthly|all]   (back to Glific's default)`;

const KINDS: RecipientKind[] = ['daily', 'monthly', 'all'];

export async function commandRecipients(args: string[], config: Config, io: CliIo, log: Log): Promise<number> {
  const [action, ...rest] = args;
  if (!['show', 'list', 'add', 'remove', 'clear'].includes(action ?? '')) throw new UsageError(`recipients needs show, list, add, remove or clear\n  ${RECIPIENTS_USAGE}`);
  let v;
  try {
    v = parseArgs({
      args: rest,
      options: { org: { type: 'string' }, email: { type: 'string' }, kind: { type: 'string' }, note: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n  ${RECIPIENTS_USAGE}`);
  }
  const kind = (v.kind ?? (action === 'show' ? 'daily' : 'all')) as RecipientKind;
  if (!KINDS.includes(kind) || (action === 'show' && kind === 'all')) throw new UsageError(`--kind must be ${action === 'show' ? 'daily or monthly' : 'daily, monthly or all'} (got "${v.kind}")`);
  if (action !== 'list' && !v.org) throw new UsageError(`recipients ${action} needs --org SHORTCODE`);
  if (['add', 'remove', 'clear'].includes(action)) {
    if (!v.email) throw new UsageError(`recipients ${action} needs --email ADDRESS`);
    if (!isValidEmail(v.email)) throw new UsageError(`--email is not a valid address: "${v.email}"`);
  }

  const ctx = await openContext(config, log);
  try {
    // An unknown shortcode is a usage error, found before anything is written.
    const [org] = v.org ? await listOrgs(ctx.glific, { shortcodes: [v.org], fallbackZone: config.timezoneFallback }) : [];
    await migrateStore(ctx.store);
    const out = (value: unknown, text: string) => io.stdout.write(v.json ? JSON.stringify(value, null, 2) + '\n' : text);
    switch (action) {
      case 'show': {
        const r = await digestRecipients(ctx.store, ctx.glific, { id: org.id, shortcode: org.shortcode }, kind as 'daily' | 'monthly');
        out(r, [...r.recipients.map((x) => `${x.email}  (${x.source})\n`), ...r.excluded.map((x) => `-${x.email}  (left out: ${x.reason})\n`)].join('') || 'nobody\n');
        return 0;
      }
      case 'list': {
        const rows = await listRecipients(ctx.store, { org: v.org });
        out(rows, rows.map((r) => `${r.orgShortcode.padEnd(16)} ${r.kind.padEnd(8)} ${r.action.padEnd(7)} ${r.email}${r.note ? `  # ${r.note}` : ''}\n`).join('') || 'no changes: every digest goes to Glific\'s defaults\n');
        return 0;
      }
      case 'add':
        await addRecipient(ctx.store, { org: org.shortcode, kind, email: v.email!, note: v.note });
        break;
      case 'remove':
        await removeRecipient(ctx.store, { org: org.shortcode, kind, email: v.email!, note: v.note });
        break;
      case 'clear':
        if (!(await clearRecipient(ctx.store, { org: org.shortcode, kind, email: v.email! }))) {
          io.stderr.write(`glific-reports: no change was stored for ${v.email} (${org.shortcode}, ${kind})\n`);
        }
        break;
    }
    io.stdout.write(`${action}: ${v.email} for ${org.shortcode} (${kind})\n`);
    return 0;
  } finally {
    await ctx.close();
  }
}
