import { describe, it, expect, afterAll } from 'vitest';
import { createTestDatabase, sql } from './support/databases.ts';

describe('test database server', () => {
  it('creates isolated databases', async () => {
    const db = await createTestDatabase('smoke');
    const r = await sql(db.url, 'select current_database() as d, current_setting($1) as v', ['server_version']);
    expect(r.rows[0].d).toBe(db.name);
    await db.drop();
  });
});
