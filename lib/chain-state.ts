// The conversation chain's state at an instant (each contact's latest opening, when it is at most
// 24 hours old) as compact bytes: contacts in increasing order, each as the varint of its id's
// distance from the previous one, then the varint of how many microseconds before the instant it
// opened. A day's state for a busy org is a few thousand contacts: about 7 bytes each instead of
// two bigint columns per row. Integers up to 2^53 are exact (µs since 1970 need 51 bits).

export class ChainStateWriter {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;
  private prev = 0;
  count = 0;

  /** `atUs`: the instant the state is taken at; contacts must come in increasing order. */
  constructor(readonly atUs: number) {}

  push(contact: number, openedUs: number): void {
    if (contact <= this.prev && this.count > 0) throw new Error(`chain state: contact ${contact} after ${this.prev}`);
    this.varint(contact - (this.count ? this.prev : 0));
    this.varint(this.atUs - openedUs);
    this.prev = contact;
    this.count++;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Done writing: keep only the bytes written (a growing buffer is up to twice their size). */
  seal(): void {
    if (this.buf.length !== this.len) this.buf = Buffer.from(this.buf.subarray(0, this.len));
  }

  private varint(n: number): void {
    if (this.len + 8 > this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    // Arithmetic, not bit operators: those stop at 32 bits.
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }
}

/**
 * A decoded state: contacts in increasing order and each one's latest opening (µs), in two arrays
 * of exactly their size. The chain walks it alongside its stream, which comes in contact order,
 * so a run never builds a map of a hundred thousand contacts to look each one up.
 */
export class SortedSeed {
  constructor(
    readonly contacts: Float64Array = new Float64Array(0),
    readonly opened: Float64Array = new Float64Array(0),
  ) {}

  get size(): number {
    return this.contacts.length;
  }

  toMap(): Map<number, number> {
    const out = new Map<number, number>();
    for (let i = 0; i < this.contacts.length; i++) out.set(this.contacts[i], this.opened[i]);
    return out;
  }

  static fromMap(m: ReadonlyMap<number, number>): SortedSeed {
    const contacts = Float64Array.from([...m.keys()].sort((a, b) => a - b));
    return new SortedSeed(contacts, contacts.map((c) => m.get(c)!));
  }
}

/** The contacts and their openings (µs) of a state written by ChainStateWriter at `atUs`. */
export function decodeChainState(bytes: Uint8Array, atUs: number): Map<number, number> {
  return decodeChainSeed(bytes, atUs).toMap();
}

/** decodeChainState as a SortedSeed: every varint ends in a byte below 0x80, two per contact. */
export function decodeChainSeed(bytes: Uint8Array, atUs: number): SortedSeed {
  let ends = 0;
  for (let j = 0; j < bytes.length; j++) if (bytes[j] < 0x80) ends++;
  if (ends % 2 || (bytes.length && bytes[bytes.length - 1] >= 0x80)) throw new Error('chain state: truncated');
  const contacts = new Float64Array(ends / 2);
  const opened = new Float64Array(ends / 2);
  let i = 0;
  let contact = 0;
  for (let k = 0; k < contacts.length; k++) {
    for (let v = 0; v < 2; v++) {
      let n = 0;
      let scale = 1;
      for (;;) {
        const b = bytes[i++];
        n += (b & 0x7f) * scale;
        if (b < 0x80) break;
        scale *= 0x80;
      }
      if (v === 0) contacts[k] = contact += n;
      else opened[k] = atUs - n;
    }
  }
  return new SortedSeed(contacts, opened);
}
