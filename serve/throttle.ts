// Login attempt limits: a fixed window per key (client IP, phone). Memory is bounded by sweeping
// finished windows whenever the table grows; the per-IP limit keeps one client from filling it
// with made-up phones.
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

export class Throttle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly rule: ThrottleRule, private readonly sweepAt = 10_000) {}

  /** Seconds to wait when `key` has used up its attempts, else undefined. Does not count. */
  blocked(key: string, now: number): number | undefined {
    const w = this.windows.get(key);
    if (!w || w.resetAt <= now || w.count < this.rule.max) return undefined;
    return Math.max(1, Math.ceil((w.resetAt - now) / 1000));
  }

  hit(key: string, now: number): void {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (this.windows.size >= this.sweepAt) this.sweep(now);
      w = { count: 0, resetAt: now + this.rule.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
  }

  clear(key: string): void {
    this.windows.delete(key);
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}
