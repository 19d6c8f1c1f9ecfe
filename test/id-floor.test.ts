// The primary-key bound that stands in for the missing inserted_at index of messages_conversations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db } from '../db/connect.ts';
import { GlificFixture } from '../demo/glific/fixture.ts';
import { idFloor } from '../extract/id-floor.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';

describe('idFloor', () => {
  let db: TestDatabase;
  let k: Db;
  let fx: GlificFixture;
  let org: number;
  const ids: number[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('idfloor');
    k = connect({ url: db.url });
    fx = await GlificFixture.create(k);
    org = (await fx.org({ shortcode: 'f' })).id;
  });
  afterAll(async () => {
    await k?.destroy();
    await db?.drop();
  });

  it('is 0 for an empty table', async () => {
    expect(await idFloor(k, 'messages_conversations', new Date('2026-03-10T00:00:00Z'))).toBe(0);
  });

  it('bounds the rows older than the instant minus a day, keeping an out-of-order row inside the margin', async () => {
    for (let d = 1; d <= 20; d++) {
      ids.push(await fx.conversation(org, { conversationId: `c${d}`, insertedAt: `2026-03-${String(d).padStart(2, '0')} 12:00:00` }));
    }
    // a late-stamped row: inserted after the 20th but stamped on the 9th
    const late = await fx.conversation(org, { conversationId: 'late', insertedAt: '2026-03-09 23:00:00' });
    const floor = await idFloor(k, 'messages_conversations', new Date('2026-03-10T00:00:00Z'));
    // rows below the floor are all older than 2026-03-09 00:00
    expect(floor).toBe(ids[8]); // the row of the 9th, 12:00, is inside the margin
    expect(late).toBeGreaterThan(floor);
    expect(await idFloor(k, 'messages_conversations', new Date('2026-04-30T00:00:00Z'))).toBe(late + 1);
    expect(await idFloor(k, 'messages_conversations', new Date('2026-01-01T00:00:00Z'))).toBe(ids[0]);
  });
});
