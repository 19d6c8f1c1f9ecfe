// The chain state's bytes (lib/chain-state.ts) give back exactly the contacts and openings written,
// microseconds included, for ids and instants far beyond 32 bits.
import { describe, expect, it } from 'vitest';
import { ChainStateWriter, decodeChainSeed, decodeChainState } from '../lib/chain-state.ts';

describe('chain state bytes', () => {
  it('round-trips large ids and µs instants exactly', () => {
    const at = Date.parse('2026-03-09T04:00:00Z') * 1000;
    const state = new Map<number, number>([
      [1, at - 1],
      [2, at - 86_400_000_000],
      [130, at - 12_345_678_901],
      [2 ** 40 + 7, at],
      [2 ** 52, at - 3],
    ]);
    const w = new ChainStateWriter(at);
    for (const [c, us] of state) w.push(c, us);
    expect(w.count).toBe(5);
    expect(decodeChainState(w.bytes(), at)).toEqual(state);
  });

  it('is empty for no contacts and refuses contacts out of order', () => {
    const w = new ChainStateWriter(1e15);
    expect(decodeChainState(w.bytes(), 1e15)).toEqual(new Map());
    w.push(5, 1e15 - 1);
    expect(() => w.push(5, 1e15 - 2)).toThrow(/contact 5 after 5/);
  });

  it('grows past its first buffer', () => {
    const at = 1.8e15;
    const w = new ChainStateWriter(at);
    const state = new Map<number, number>();
    for (let c = 1; c <= 5000; c++) state.set(c * 37, at - c * 1_000_003);
    for (const [c, us] of state) w.push(c, us);
    expect(decodeChainState(w.bytes(), at)).toEqual(state);
  });

  it('decodes into contacts in increasing order, looked up by contact, and refuses cut bytes', () => {
    const at = 1.8e15;
    const w = new ChainStateWriter(at);
    for (const c of [3, 200, 70_000, 2 ** 45]) w.push(c, at - c);
    const seed = decodeChainSeed(w.bytes(), at);
    expect([...seed.contacts]).toEqual([3, 200, 70_000, 2 ** 45]);
    expect([...seed.opened]).toEqual([at - 3, at - 200, at - 70_000, at - 2 ** 45]);
    expect(seed.toMap().get(70_000)).toBe(at - 70_000);
    expect(seed.toMap().get(4)).toBeUndefined();
    expect(seed.toMap().get(2 ** 46)).toBeUndefined();
    const bytes = w.bytes();
    expect(() => decodeChainSeed(bytes.subarray(0, bytes.length - 1), at)).toThrow(/truncated/);
    expect(decodeChainSeed(new Uint8Array(0), at).size).toBe(0);
  });
});
