// Reading a large query result through COPY … TO STDOUT (text format), line by line, on one of
// the pool's connections (so it keeps the session's read-only setting and timeouts).
import { to as copyTo } from 'pg-copy-streams';
import type pg from 'pg';
import type { Db } from '../db/connect.ts';

/** Calls `onRow` with the tab-separated fields of each line; only for values without tabs, newlines or backslashes (numbers, dates). */
export async function copyRows(db: Db, copySql: string, onRow: (fields: string[]) => void): Promise<number> {
  const conn = (await db.client.acquireConnection()) as pg.Client;
  let rows = 0;
  try {
    const stream = conn.query(copyTo(copySql));
    let rest = '';
    stream.setEncoding('utf8');
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = rest + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        onRow(text.slice(start, nl).split('\t'));
        rows++;
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    if (rest) {
      onRow(rest.split('\t'));
      rows++;
    }
    return rows;
  } finally {
    await db.client.releaseConnection(conn);
  }
}
