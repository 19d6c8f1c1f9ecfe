// Logging for a batch job, on pino: one JSON object per line off a terminal (for log collectors:
// `time` ISO 8601, `level` as a word, `event`, then the event's fields), readable lines on a
// terminal (pino-pretty), always on stderr so that `--json` output on stdout stays clean.
//
// Writes are synchronous, straight to the stream (no worker-thread transport): a progress bar on
// the same terminal clears its line before each log line and redraws after it, which only works
// when the line is out by then; and a nightly run adds no thread start to its start-up time.
import { createRequire } from 'node:module';
import pino from 'pino';

export type Log = (event: string, fields?: Record<string, unknown>) => void;

export type LogLevel = 'info' | 'warn' | 'error';

// The level follows from the event's last word, so that call sites only name what happened:
// something failed and needs a person (error); something was refused, retried, skipped over or
// fell back to a default and the job went on (warn); everything else is progress (info).
const ERROR = /(^|[._])(failed|error)$/;
const WARN = /(^|[._])(warning|retry|aborted|refused|throttled|busy|fallback|isolating|pending|dead|no_recipients)$/;

export function levelOf(event: string): LogLevel {
  return ERROR.test(event) ? 'error' : WARN.test(event) ? 'warn' : 'info';
}

/** Keys the line itself uses; a field of that name is written as `_<name>` rather than twice. */
const RESERVED = new Set(['time', 'level', 'event', 'msg']);

export interface LogOptions {
  /** Default: JSON unless the stream is a terminal. */
  json?: boolean;
  /** Default: process.stderr. */
  stream?: NodeJS.WritableStream;
  quiet?: boolean;
  /** Colours on a terminal; default: pino-pretty's own test (a colour terminal, no NO_COLOR). */
  color?: boolean;
}

function createLogger(opts: LogOptions = {}): pino.Logger {
  const stream = opts.stream ?? process.stderr;
  const json = opts.json ?? !(stream as NodeJS.WriteStream).isTTY;
  const destination = json ? stream : prettyStream(stream, opts.color);
  return pino(
    {
      level: opts.quiet ? 'silent' : 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination as pino.DestinationStream,
  );
}

export function createLog(opts: LogOptions = {}): Log {
  const logger = createLogger(opts);
  return (event, fields = {}) => {
    let line: Record<string, unknown> = fields;
    if (Object.keys(fields).some((k) => RESERVED.has(k))) {
      line = Object.fromEntries(Object.entries(fields).map(([k, v]) => [RESERVED.has(k) ? `_${k}` : k, v]));
    }
    logger[levelOf(event)]({ event, ...line });
  };
}

/** Loaded only on a terminal: a nightly run off a terminal never pays for it. */
function prettyStream(stream: NodeJS.WritableStream, color: boolean | undefined): { write(line: string): void } {
  const { prettyFactory, isColorSupported } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const pretty = prettyFactory({ colorize: color ?? isColorSupported, messageKey: 'event', translateTime: 'HH:MM:ss', singleLine: true });
  return { write: (line) => void stream.write(pretty(line)) };
}

export const silentLog: Log = () => {};
