// The conversation chain's state at the end of every computed local day (METRICS.md §5): a rerun
// of a day continues from the end of the day before, reading that day's messages only, instead of
// replaying each contact from its last 24-hour gap. Written with the day's values. The state
// where the chain ends is the checkpoint at conversation_chains.chained_until, so the one-row-per-
// contact conversation_chain_state goes: a chain stored before this migration is replayed once
// from the last gaps (exact, only slower), then continued.
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
  await knex.schema.withSchema(S).dropTableIfExists('conversation_chain_state');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).dropTableIfExists('chain_checkpoints');
  await knex.schema.withSchema(S).createTable('conversation_chain_state', (t) => {
    t.bigInteger('org_id').notNullable();
    t.bigInteger('contact_id').notNullable();
    t.bigInteger('last_opened_us').notNullable();
    t.primary(['org_id', 'contact_id']);
  });
}
