// The ids behind a distinct day value come as the text of a PostgreSQL integer array.
import { describe, expect, it } from 'vitest';
import { parseIntArray, takeIdSets } from '../../metrics/family.ts';

describe('parseIntArray', () => {
  it('reads the ids exactly, large and negative ones too', () => {
    expect([...parseIntArray('{}')]).toEqual([]);
    expect([...parseIntArray('{7}')]).toEqual([7]);
    expect([...parseIntArray('{1,-2,9007199254740991}')]).toEqual([1, -2, 9007199254740991]);
  });
  it('refuses anything else', () => {
    expect(() => parseIntArray('{1,NULL}')).toThrow(/not an integer array/);
  });
  it('is what takeIdSets hands on, the column removed', () => {
    const out = takeIdSets({ columns: ['org_id', 'day', 'seen', 'ids'], rows: [{ org_id: '3', day: '2026-03-01', seen: 2, ids: '{10,11}' }] }, 'seen', 'int');
    expect(out.columns).toEqual(['org_id', 'day', 'seen']);
    expect(out.rows).toEqual([{ org_id: '3', day: '2026-03-01', seen: 2 }]);
    expect(out.tables!.idSets).toEqual([{ org_id: 3, day: '2026-03-01', key: 'seen', ids: Float64Array.from([10, 11]) }]);
  });
});
