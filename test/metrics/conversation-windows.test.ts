// The pure steps of the 24-hour conversation chain (METRICS.md §5): which message opens a
// conversation, and whether a run continues the stored chain or recomputes it.
import { describe, expect, it } from 'vitest';
import { chainContact, DAY_US, IdList, planChain } from '../../metrics/conversation-windows.ts';
import { SortedSeed } from '../../lib/chain-state.ts';

const H = 3600 * 1_000_000;
const T0 = Date.UTC(2026, 2, 10, 4, 30) * 1000; // µs
const msg = (us: number, day = '2026-03-10') => ({ us, day });

describe('chainContact', () => {
  it('opens on the first message, and again exactly 24 h after the opening, not 1 µs before', () => {
    const openings = new Map<string, number>();
    const last = chainContact(undefined, [msg(T0), msg(T0 + 2 * H), msg(T0 + DAY_US - 1, '2026-03-11'), msg(T0 + DAY_US, '2026-03-11')], openings);
    expect(openings).toEqual(new Map([['2026-03-10', 1], ['2026-03-11', 1]]));
    expect(last).toBe(T0 + DAY_US);
  });

  it('measures 24 h from the opening, not from the latest message', () => {
    const openings = new Map<string, number>();
    chainContact(undefined, [msg(T0), msg(T0 + 23 * H), msg(T0 + 25 * H, '2026-03-11'), msg(T0 + 47 * H, '2026-03-12')], openings);
    expect(openings).toEqual(new Map([['2026-03-10', 1], ['2026-03-11', 1]]));
  });

  it('continues from a seed: a conversation still open keeps the next message from opening one', () => {
    const openings = new Map<string, number>();
    expect(chainContact(T0 - 23 * H, [msg(T0)], openings)).toBe(T0 - 23 * H);
    expect(openings.size).toBe(0);
    expect(chainContact(T0 - DAY_US, [msg(T0)], openings)).toBe(T0);
    expect(openings).toEqual(new Map([['2026-03-10', 1]]));
  });

  it('opens once for messages at the same instant (ordered by id before they get here)', () => {
    const openings = new Map<string, number>();
    chainContact(undefined, [msg(T0), msg(T0), msg(T0)], openings);
    expect(openings).toEqual(new Map([['2026-03-10', 1]]));
  });

  it('adds to the openings other contacts made that day, and keeps the seed without messages', () => {
    const openings = new Map([['2026-03-10', 4]]);
    chainContact(undefined, [msg(T0)], openings);
    expect(openings.get('2026-03-10')).toBe(5);
    expect(chainContact(T0, [], openings)).toBe(T0);
    expect(chainContact(undefined, [], openings)).toBeUndefined();
  });
});

describe('planChain', () => {
  const lo = new Date('2026-03-10T00:00:00Z');
  const hi = new Date('2026-03-11T00:00:00Z');
  const seed = SortedSeed.fromMap(new Map([[7, T0]]));

  it('replays from the last 24-hour gaps when nothing is stored', () => {
    expect(planChain(1, lo, hi, null)).toEqual({ orgId: 1, from: lo, to: hi, seed: new SortedSeed(), inbound: null, restart: true, keepState: false });
  });

  it('continues the stored chain when it ends where the run starts, or earlier (a skipped day is read too)', () => {
    const inbound = SortedSeed.fromMap(new Map([[9, T0]]));
    expect(planChain(1, lo, hi, { chainedUntil: lo, seed, inbound })).toEqual({ orgId: 1, from: lo, to: hi, seed, inbound, restart: false, keepState: false });
    const earlier = new Date('2026-03-08T00:00:00Z');
    expect(planChain(1, lo, hi, { chainedUntil: earlier, seed, inbound: null })).toEqual({ orgId: 1, from: earlier, to: hi, seed, inbound: null, restart: false, keepState: false });
  });

  it('replays only the requested span when the run starts inside the chain, keeping the stored state when it reaches further', () => {
    const later = new Date('2026-03-15T00:00:00Z');
    expect(planChain(1, lo, hi, { chainedUntil: later, seed, inbound: null })).toEqual({ orgId: 1, from: lo, to: hi, seed: new SortedSeed(), inbound: null, restart: true, keepState: true });
    const inside = new Date('2026-03-10T12:00:00Z');
    expect(planChain(1, lo, hi, { chainedUntil: inside, seed, inbound: null })).toEqual({ orgId: 1, from: lo, to: hi, seed: new SortedSeed(), inbound: null, restart: true, keepState: false });
  });

  it('starts from the checkpoint taken where the run starts, with its latest inbound messages when it kept them', () => {
    const later = new Date('2026-03-15T00:00:00Z');
    const inbound = SortedSeed.fromMap(new Map([[9, T0]]));
    expect(planChain(1, lo, hi, { chainedUntil: later, seed, inbound: null }, { chainedUntil: lo, seed, inbound })).toEqual({ orgId: 1, from: lo, to: hi, seed, inbound, restart: false, keepState: true });
    expect(planChain(1, lo, hi, null, { chainedUntil: lo, seed, inbound: null })).toMatchObject({ seed, inbound: null, restart: false });
    // a checkpoint of another instant is no start
    expect(planChain(1, lo, hi, null, { chainedUntil: new Date('2026-03-09T00:00:00Z'), seed, inbound })).toMatchObject({ inbound: null, restart: true });
  });
});

describe('IdList', () => {
  it('keeps every id exactly, in four bytes each until one needs more', () => {
    const l = new IdList();
    const ids = Array.from({ length: 1000 }, (_, i) => i * 4_000_000);
    for (const id of ids) l.push(id);
    expect(l.take()).toBeInstanceOf(Uint32Array);
    expect([...l.take()]).toEqual(ids);
    l.push(2 ** 40 + 3);
    expect(l.take()).toBeInstanceOf(Float64Array);
    expect([...l.take()]).toEqual([...ids, 2 ** 40 + 3]);
    expect(l.length).toBe(1001);
    // sealed, its array is exactly the ids, handed out as it is
    l.seal();
    expect(l.take()).toBe(l.take());
    expect(l.take()).toHaveLength(1001);
  });
});
