// Error codes (METRICS.md §3b): per org, local day and code, how many of the day's error_messages
// carried that code ('' for none). Written in the same transaction as the day's values, and
// replaced as a whole for every day a run counts, so a day's codes add up to its error_messages.
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).createTable('error_values', (t) => {
    t.bigInteger('org_id').notNullable();
    t.date('day').notNullable();
    t.text('code').notNullable(); // '' : a failure without a code
    t.integer('count').notNullable();
    t.bigInteger('run_id');
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.integer('definition_version').notNullable();
    t.primary(['org_id', 'day', 'code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).dropTableIfExists('error_values');
}
