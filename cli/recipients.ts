// `glific-reports recipients …`: who receives each organization's digests, changed without code.
// Defaults come from Glific (the org's email, its admins' and managers' emails); what operators
// add or remove per org and digest kind is kept in the results store (mail/recipients.ts).
import type { Command } from 'commander';
import type { Config } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import type { Log } from '../lib/log.ts';
import { listOrgs } from '../extract/orgs.ts';
import { migrateStore } from '../store/connect.ts';
import { addRecipient, clearRecipient, digestRecipients, isValidEmail, listRecipients, removeRecipient, type RecipientKind } from '../mail/recipients.ts';
import { openContext } from './context.ts';
import type { Act, CliIo } from './io.ts';

const KINDS: RecipientKind[] = ['daily', 'monthly', 'all'];

type Action = 'show' | 'list' | 'add' | 'remove' | 'clear';

interface RecipientsOptions {
  org?: string;
  email?: string;
  kind?: string;
  note?: string;
  json?: boolean;
}

const ORG = 'the organization, by its Glific shortcode (required)';
const EMAIL = 'the address (required)';
const KIND = 'the digest: daily, monthly or all (default: all)';
const NOTE = "why, kept with the change and shown by 'list' (default: none)";
const JSON_OUT = 'print it as JSON on stdout (default: readable text)';

export function addRecipientsCommand(program: Command, act: Act): void {
  const recipients = program
    .command('recipients')
    .summary("who receives each organization's digests, and operators' changes to that")
    .description("who receives each organization's digests: Glific's defaults (the organization's email, its admins' and managers' emails) with the additions and removals operators keep in the results store")
    .usage('show|list|add|remove|clear [options]')
    // Anything but an action: a one-line error that names them.
    .argument('[action]')
    .action(async (action: string | undefined) => {
      throw new UsageError(`recipients needs show, list, add, remove or clear (got "${action ?? ''}"); see glific-reports recipients --help`);
    });
  const work = (action: Action) => act<RecipientsOptions>((opts, { config, io, log }) => commandRecipients(action, opts, config, io, log));
  recipients
    .command('show')
    .description('who gets the digest now, and who is left out and why')
    .option('--org <shortcode>', ORG)
    .option('--kind <kind>', 'the digest: daily or monthly (default: daily)')
    .option('--json', JSON_OUT)
    .action(work('show'));
  recipients
    .command('list')
    .description("the operators' stored additions and removals")
    .option('--org <shortcode>', 'only this organization (default: every organization)')
    .option('--json', JSON_OUT)
    .action(work('list'));
  for (const [action, description] of [['add', "send this organization's digests to an address too"], ['remove', "stop sending this organization's digests to an address, even one of Glific's defaults"]] as const) {
    recipients.command(action).description(description).option('--org <shortcode>', ORG).option('--email <address>', EMAIL).option('--kind <kind>', KIND).option('--note <text>', NOTE).action(work(action));
  }
  recipients
    .command('clear')
    .description("forget a stored addition or removal: back to Glific's default for that address")
    .option('--org <shortcode>', ORG)
    .option('--email <address>', EMAIL)
    .option('--kind <kind>', KIND)
    .action(work('clear'));
}

export async function commandRecipients(action: Action, v: RecipientsOptions, config: Config, io: CliIo, log: Log): Promise<number> {
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
        const rows = await listRecipients(ctx.store, { org: org ? { id: org.id, shortcode: org.shortcode } : undefined });
        out(rows, rows.map((r) => `${r.orgShortcode.padEnd(16)} ${r.kind.padEnd(8)} ${r.action.padEnd(7)} ${r.email}${r.note ? `  # ${r.note}` : ''}\n`).join('') || 'no changes: every digest goes to Glific\'s defaults\n');
        return 0;
      }
      case 'add':
        await addRecipient(ctx.store, { org: { id: org.id, shortcode: org.shortcode }, kind, email: v.email!, note: v.note });
        break;
      case 'remove':
        await removeRecipient(ctx.store, { org: { id: org.id, shortcode: org.shortcode }, kind, email: v.email!, note: v.note });
        break;
      case 'clear':
        if (!(await clearRecipient(ctx.store, { org: { id: org.id, shortcode: org.shortcode }, kind, email: v.email! }))) {
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
