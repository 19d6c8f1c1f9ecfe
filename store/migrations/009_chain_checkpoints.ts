// The conversation chain's state at the end of every computed local day (METRICS.md §5): a rerun
// of a day continues from the end of the day before, reading that day's messages only, instead of
// replaying each contact from its last 24-hour gap. Written with the day's values.
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).createTable('chain_checkpoints', (t) => {
    t.bigInteger('org_id').notNullable();
    t.date('day').notNullable();
    // The instant the state is taken at (the day's end, µs since 1970) and the state as
    // lib/chain-state.ts encodes it against that instant.
    t.bigInteger('at_us').notNullable();
    t.binary('state').notNullable();
    t.integer('contacts').notNullable();
    t.integer('definition_version').notNullable();
    t.bigInteger('run_id');
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.primary(['org_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).dropTableIfExists('chain_checkpoints');
}
