// Multi-row INSERTs in chunks: one statement per chunk of rows instead of one per row, each
// chunk small enough for PostgreSQL's bind-parameter limit and a sensible statement size.
import type { Knex } from 'knex';

/**
 * Runs `sql(values)` for each chunk of `rows`, `values` being one `row` placeholder per row of the
 * chunk ('(?, ?, ?)' by default, a cast where a column needs one: '(?, ?::text[])').
 */
export async function insertRows(trx: Knex.Transaction, sql: (values: string) => string, rows: unknown[][], opts: { row?: string; chunk?: number } = {}): Promise<void> {
  const chunk = opts.chunk ?? 1000;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const row = opts.row ?? `(${new Array(part[0].length).fill('?').join(', ')})`;
    await trx.raw(sql(part.map(() => row).join(', ')), part.flat() as Knex.RawBinding[]);
  }
}
