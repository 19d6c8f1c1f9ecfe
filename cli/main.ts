// `glific-reports`: a thin shell over jobs/. Parses arguments (commander: every command answers
// --help), opens the databases, runs the job, prints the summary, and maps outcomes to exit
// codes (0 ok, 1 run failed, 2 bad usage).
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import { createLog, type Log } from '../lib/log.ts';
import type { Act, CliIo } from './io.ts';
import { addRunCommand } from './run.ts';
import { addScheduleCommand } from './schedule.ts';
import { addStatusCommand } from './status.ts';
import { addServeCommand } from './serve.ts';
import { addRecipientsCommand } from './recipients.ts';
import { addDemoCommand } from './demo.ts';
import { packageVersion } from './version.ts';

const NAME = 'glific-reports';

const CONFIGURATION = `
Every command answers --help, e.g. glific-reports run daily --help.

Configuration comes from environment variables (and a .env file in the working directory):
GLIFIC_DATABASE_URL, REPORTS_OUTPUT_DIR, SMTP_URL, ... — the README's Configuration section
lists them all with their defaults. Logs are JSON lines on stderr (readable on a terminal).

Exit codes: 0 success; 1 the run failed for some or all organizations; 2 bad usage or
configuration (the one-line message names what to fix; nothing was changed).`;

function buildProgram(io: CliIo, act: Act): Command {
  const program = new Command(NAME)
    .description('chatbot indicators per organization-local day and month from a Glific database: a report site, email digests, and a login server for the site')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show the usage and options')
    .helpCommand('help [command]', 'show the usage and options of a command')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      getOutHelpWidth: () => (io.stdout as NodeJS.WriteStream).columns || 100,
      getErrHelpWidth: () => (io.stderr as NodeJS.WriteStream).columns || 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showSuggestionAfterError(true)
    // A command in the list reads as it is typed: `run daily|monthly|range [options]`.
    .configureHelp({ subcommandTerm: (cmd) => `${cmd.name()} ${cmd.usage()}` })
    .addHelpText('after', CONFIGURATION);
  addRunCommand(program, act);
  addScheduleCommand(program, act);
  addStatusCommand(program, act);
  addServeCommand(program, act);
  addRecipientsCommand(program, act);
  addDemoCommand(program, act);
  // commander's own errors (unknown option, missing value, unknown command) as one line in our
  // form, naming the command whose --help lists what it takes.
  const each = (cmd: Command, path: string): void => {
    cmd.configureOutput({ outputError: (s) => void io.stderr.write(`${NAME}: ${oneLine(s)}; see ${path} --help\n`) });
    for (const sub of cmd.commands) each(sub, `${path} ${sub.name()}`);
  };
  each(program, NAME);
  return program;
}

const oneLine = (s: string) => s.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim().replace(/\.$/, '');

export async function main(argv: string[], io: CliIo): Promise<number> {
  let log: Log | undefined;
  let code = 0;
  const act: Act = (work) => async (...args) => {
    const cmd = args[args.length - 1] as Command;
    // The configuration is read only for a command that runs: --help works whatever it holds.
    const config = loadConfig(io.env);
    log = createLog({ stream: io.stderr });
    code = await work(cmd.opts() as Parameters<typeof work>[0], { config, io, log });
  };
  try {
    await buildProgram(io, act).parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; a missing command shows the help on stderr; the rest
      // (unknown option or command, missing value) was printed by outputError above.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`${NAME}: ${err.message}\n`);
      return 2;
    }
    const e = err as Error;
    // Off a terminal the log collector gets it as one JSON line, like everything else.
    if (log && !(io.stderr as NodeJS.WriteStream).isTTY) log('command.failed', { error: e?.message ?? String(err), stack: e?.stack });
    else io.stderr.write(`${NAME}: failed: ${e?.stack ?? String(err)}\n`);
    return 1;
  }
}
