// Reading a large query result through COPY … TO STDOUT (text format) on one of the pool's
// connections (so it keeps the session's read-only setting and timeouts), for results made of
// integers only: the bytes are parsed straight into numbers, without a string per line or field
// (millions of rows: the parsing, not PostgreSQL, would otherwise be the slow side).
import { to as copyTo } from 'pg-copy-streams';
import type pg from 'pg';
import type { Db } from '../db/connect.ts';

const TAB = 9;
const NEWLINE = 10;
const MINUS = 45;
const ZERO = 48;

/**
 * Calls `onRow` with the integer fields of each line, in one array reused for every line (copy
 * what you keep). Every field must be a non-NULL integer within ±2^53.
 */
export async function copyIntegerRows(db: Db, copySql: string, onRow: (fields: number[]) => void): Promise<number> {
  const conn = (await db.client.acquireConnection()) as pg.Client;
  let rows = 0;
  const fields: number[] = [];
  // The field being read, carried over from one chunk to the next.
  let n = 0;
  let negative = false;
  let digits = 0;
  const endField = () => {
    if (!digits) throw new Error(`COPY: line ${rows + 1} has an empty or non-integer field`);
    fields.push(negative ? -n : n);
    n = 0;
    negative = false;
    digits = 0;
  };
  try {
    const stream = conn.query(copyTo(copySql));
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === TAB) endField();
        else if (b === NEWLINE) {
          endField();
          onRow(fields);
          fields.length = 0;
          rows++;
        } else if (b === MINUS && digits === 0) negative = true;
        else {
          const d = b - ZERO;
          if (d < 0 || d > 9) throw new Error(`COPY: line ${rows + 1} has a field that is not an integer`);
          n = n * 10 + d;
          digits++;
        }
      }
    }
    if (digits || fields.length) {
      endField();
      onRow(fields);
      rows++;
    }
    return rows;
  } catch (err) {
    // Stopped in the middle of a COPY: the connection is not fit for another query.
    (conn as pg.Client & { __knex__disposed?: unknown }).__knex__disposed = err;
    await conn.end().catch(() => undefined);
    throw err;
  } finally {
    await db.client.releaseConnection(conn);
  }
}
