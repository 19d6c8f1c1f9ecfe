// Beside the chain's state, each checkpoint keeps the contacts' latest inbound message when it is
// less than 24 hours old at the day's end (METRICS.md §3a, the customer-service windows): a run
// that starts from a checkpoint then reads its own days' messages only, not the 24 hours before.
// NULL where it was not recorded — a checkpoint written before this migration, or a day whose 24
// hours before were not all held — and a run starting there reads those 24 hours as before.
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).alterTable('chain_checkpoints', (t) => {
    // lib/chain-state.ts's encoding, against at_us, of each contact's latest inbound message
    t.binary('inbound');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).alterTable('chain_checkpoints', (t) => {
    t.dropColumn('inbound');
  });
}
