// Transient database faults (a connection reset, the server restarting) are retried with
// backoff; anything else fails at once.
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '40001', '40P01', '53300']);

export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && (TRANSIENT_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  return /Connection terminated|connection timeout|Timeout acquiring a connection|terminating connection/i.test(e.message ?? '');
}

export async function withRetry<T>(fn: () => Promise<T>, opts: { attempts?: number; baseDelayMs?: number; onRetry?: (err: unknown, attempt: number, delayMs: number) => void } = {}): Promise<T> {
  const attempts = opts.attempts ?? 3;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isTransient(err)) throw err;
      const delay = (opts.baseDelayMs ?? 1000) * 2 ** (i - 1);
      opts.onRetry?.(err, i, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
