// Logging for a batch job: readable lines on a terminal, one JSON object per line elsewhere
// (for log collectors), always on stderr so that `--json` output on stdout stays clean.
export type Log = (event: string, fields?: Record<string, unknown>) => void;

export function createLog(opts: { json?: boolean; stream?: NodeJS.WritableStream; quiet?: boolean } = {}): Log {
  const stream = opts.stream ?? process.stderr;
  const json = opts.json ?? !(stream as NodeJS.WriteStream).isTTY;
  return (event, fields = {}) => {
    if (opts.quiet) return;
    if (json) {
      stream.write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n');
    } else {
      const rest = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      stream.write(`${event}${rest ? '  ' + rest : ''}\n`);
    }
  };
}

export const silentLog: Log = () => {};
