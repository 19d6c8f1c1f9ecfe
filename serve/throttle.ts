// Login attempt limits: a fixed window per key (client address, phone) that counts FAILED
// attempts, so an office of colleagues behind one NAT address does not lock itself out by logging
// in. An attempt holds a place in the window while its password is being checked and gives it
// back when it succeeds: counting only after the check would let a burst of parallel guesses all
// pass the limit before the first one fails. (@fastify/rate-limit can peek without counting, but
// has no way to give a place back, and its windows run on Date.now rather than the app's clock.)
//
// Memory is bounded by sweeping finished windows whenever the table grows; the per-address limit
// keeps one client from filling it with made-up phones.
import { isIPv6 } from 'node:net';

export interface ThrottleRule {
  max: number;
  windowMs: number;
}

export const DEFAULT_PHONE_RULE: ThrottleRule = { max: 10, windowMs: 15 * 60 * 1000 };
export const DEFAULT_IP_RULE: ThrottleRule = { max: 30, windowMs: 15 * 60 * 1000 };

interface Window {
  count: number;
  resetAt: number;
}

/** A place taken in a window by an attempt under way. */
export interface Ticket {
  window: Window;
}

export class Throttle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly rule: ThrottleRule, private readonly sweepAt = 10_000) {}

  /** Seconds to wait when `key` has used up its attempts, else undefined. Does not count. */
  blocked(key: string, now: number): number | undefined {
    const w = this.windows.get(key);
    if (!w || w.resetAt <= now || w.count < this.rule.max) return undefined;
    return Math.max(1, Math.ceil((w.resetAt - now) / 1000));
  }

  /** Count an attempt as failed unless it is given back with succeeded(). */
  begin(key: string, now: number): Ticket {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (this.windows.size >= this.sweepAt) this.sweep(now);
      w = { count: 0, resetAt: now + this.rule.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return { window: w };
  }

  /** The attempt did not fail (it succeeded, or could not be checked): its place is given back. */
  giveBack(t: Ticket): void {
    // A window that has since been replaced is no longer counted; decrementing it is harmless.
    if (t.window.count > 0) t.window.count--;
  }

  clear(key: string): void {
    this.windows.delete(key);
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}

/**
 * The per-address key: IPv4 as is (also when written IPv4-mapped, `::ffff:a.b.c.d`), IPv6 by its
 * /64 prefix — one subscriber usually holds a whole /64, so per-address counting would give them
 * 2^64 budgets.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('%')[0].split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (`64:ff9b::192.0.2.1`) fills two groups.
  const tailGroups = t.length + (t.at(-1)?.includes('.') ? 1 : 0);
  const groups = ip.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - tailGroups)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
