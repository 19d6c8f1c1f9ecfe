// What a newcomer types first: --help on every command, --version, and a mistyped option. Run
// in-process through main(): none of these may read the configuration or touch a database.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { main } from '../cli/main.ts';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) => new Writable({ write(c, _e, cb) { add(String(c)); cb(); } });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    // A configuration that would fail to load: --help must not need it.
    env: { REPORTS_CATCHUP_DAYS: 'soon', ...env },
    now: () => new Date('2026-03-10T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

/** The entries of a help text's "Options:" section, continuation lines joined. */
function optionsOf(help: string): Map<string, string> {
  const section = help.split(/\n(?=\S)/).find((s) => s.startsWith('Options:')) ?? '';
  const entries = new Map<string, string>();
  let last = '';
  for (const line of section.split('\n').slice(1)) {
    const m = /^ {2}(-[^\s,]+(?:, --[^\s,]+)?)(?: (<[^>]+>))?\s+(.*)$/.exec(line);
    if (m) entries.set((last = m[1].split(', ').pop()!), m[3]);
    else if (line.trim() && last) entries.set(last, `${entries.get(last)} ${line.trim()}`);
  }
  return entries;
}

const COMMON_RUN = ['--org', '--no-site', '--no-email', '--resend', '--recapture', '--json', '--now'];
const LEAVES: Array<[string[], string[]]> = [
  [['run', 'daily'], ['--date', ...COMMON_RUN]],
  [['run', 'monthly'], ['--month', ...COMMON_RUN]],
  [['run', 'range'], ['--from', '--to', ...COMMON_RUN]],
  [['schedule'], ['--once', '--now', '--no-site', '--no-email', '--json']],
  [['status'], ['--json']],
  [['serve'], ['--port', '--host']],
  [['recipients', 'show'], ['--org', '--kind', '--json']],
  [['recipients', 'list'], ['--org', '--json']],
  [['recipients', 'add'], ['--org', '--email', '--kind', '--note']],
  [['recipients', 'remove'], ['--org', '--email', '--kind', '--note']],
  [['recipients', 'clear'], ['--org', '--email', '--kind']],
  [['demo'], ['--serve', '--days', '--port', '--host']],
];

describe('--help', () => {
  it.each(LEAVES)('%j --help: exit 0, its usage and every option with what it does and its default', async (command, options) => {
    const r = await cli([...command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: glific-reports ${command.join(' ')} \\[options\\]\\n`));
    const listed = optionsOf(r.stdout);
    expect([...listed.keys()]).toEqual([...options, '--help']);
    for (const o of options) expect(listed.get(o), o).toMatch(/\((default: [^)]+|required)\)$/);
    // -h says the same
    expect((await cli([...command, '-h'])).stdout).toBe(r.stdout);
  });

  it.each([
    [[], ['run', 'schedule', 'status', 'serve', 'recipients', 'demo', 'help']],
    [['run'], ['daily', 'monthly', 'range']],
    [['recipients'], ['show', 'list', 'add', 'remove', 'clear']],
  ])('%j --help: exit 0, lists its commands, each with a line saying what it does', async (command, subcommands) => {
    const r = await cli([...command, '--help']);
    expect(r.code).toBe(0);
    const section = r.stdout.split(/\n(?=\S)/).find((s) => s.startsWith('Commands:'))!;
    const names = section.split('\n').slice(1).map((l) => /^ {2}(\S+)/.exec(l)?.[1]).filter(Boolean);
    expect(names).toEqual(subcommands);
    for (const line of section.split('\n').slice(1)) if (/^ {2}\S/.test(line)) expect(line).toMatch(/^ {2}\S.*\S {2,}\S/);
  });

  it('`help COMMAND` is the same as `COMMAND --help`; no command at all shows the help with exit 2', async () => {
    expect((await cli(['help', 'schedule'])).stdout).toBe((await cli(['schedule', '--help'])).stdout);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: glific-reports/);
  });
});

describe('--version', () => {
  it("prints package.json's version, exit 0", async () => {
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('bad usage', () => {
  it.each(LEAVES)('%j --bogus: exit 2, one line naming the option and where the options are listed', async (command) => {
    const r = await cli([...command, '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`glific-reports: unknown option '--bogus'; see glific-reports ${command.join(' ')} --help\n`);
  });

  it.each([
    [['frobnicate'], "glific-reports: unknown command 'frobnicate'; see glific-reports --help"],
    [['run', 'daily', '--jsn'], "glific-reports: unknown option '--jsn' (Did you mean --json?); see glific-reports run daily --help"],
    [['run', 'daily', '--date'], "glific-reports: option '--date <YYYY-MM-DD>' argument missing; see glific-reports run daily --help"],
    [['run', 'monthly', '--date', '2026-03-01'], 'glific-reports: --date does not apply to run monthly'],
    [['run'], 'glific-reports: run needs a job: daily, monthly or range (got ""); see glific-reports run --help'],
    [['recipients', 'forget'], 'glific-reports: recipients needs show, list, add, remove or clear (got "forget"); see glific-reports recipients --help'],
    [['serve', '--port', '99999'], 'glific-reports: --port must be a port number from 0 to 65535 (got "99999")'],
    [['schedule', '--now', 'tomorrow'], 'glific-reports: --now must be an ISO 8601 instant like 2026-03-10T02:30:00Z (got "tomorrow")'],
    [['demo', '--port', '8081'], 'glific-reports: --port applies only with --serve'],
    [['demo', '--days', '0'], 'glific-reports: --days must be a whole number from 1 to 366 (got "0")'],
  ])('%j: exit 2 with one line naming what to fix', async (args, line) => {
    const r = await cli(args, { REPORTS_CATCHUP_DAYS: '14' });
    expect(r).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });

  it('a bad configuration is still exit 2 once a command runs', async () => {
    const r = await cli(['status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^glific-reports: .*REPORTS_CATCHUP_DAYS/);
  });
});
