// COPY rows of integers parsed from bytes: every row whole, across chunk boundaries, with signs
// and values far beyond 32 bits; anything else is refused, never read as a number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db } from '../db/connect.ts';
import { copyIntegerRows } from '../extract/copy.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';

let db: TestDatabase;
let k: Db;
beforeAll(async () => {
  db = await createTestDatabase('copy');
  k = connect({ url: db.url });
});
afterAll(async () => {
  await k?.destroy();
  await db?.drop();
});

describe('copyIntegerRows', () => {
  it('reads 200k rows exactly, whatever the chunks', async () => {
    let n = 0;
    let sum = 0;
    let last: number[] = [];
    const rows = await copyIntegerRows(k, `COPY (SELECT g, -g, g::bigint * 1000000000 + 7 FROM generate_series(1, 200000) g ORDER BY g) TO STDOUT`, (f) => {
      n++;
      expect(f.length).toBe(3);
      expect(f[1]).toBe(-f[0]);
      sum += f[0];
      last = [...f];
    });
    expect(rows).toBe(200000);
    expect(n).toBe(200000);
    expect(sum).toBe((200000 * 200001) / 2);
    expect(last).toEqual([200000, -200000, 200000 * 1e9 + 7]);
  });

  it('refuses a field that is not an integer, and leaves no half-read connection in the pool', async () => {
    const one = connect({ url: db.url, pool: 1 });
    try {
      await expect(copyIntegerRows(one, `COPY (SELECT 1, 'x') TO STDOUT`, () => undefined)).rejects.toThrow(/line 1 has a field that is not an integer/);
      expect((await one.raw('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
      await expect(copyIntegerRows(one, `COPY (SELECT g, NULL::int FROM generate_series(1, 100000) g) TO STDOUT`, () => undefined)).rejects.toThrow(/not an integer/);
      expect((await one.raw('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
    } finally {
      await one.destroy();
    }
  });
});
