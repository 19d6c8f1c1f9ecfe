// The run ledger for the scheduler: when a scheduled period was due and whether its run was
// late, when its data was stored, and at most one live-or-done scheduled run per
// (org, job, period). Manual runs stay out of that uniqueness, so an operator can always rerun.
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).alterTable('runs', (t) => {
    t.timestamp('due_at', { useTz: true }); // the schedule's fire time; NULL for manual runs
    t.boolean('late').notNullable().defaultTo(false);
    t.timestamp('stored_at', { useTz: true }); // data committed; site and digests may still be running
  });
  await knex.raw(`ALTER TABLE ${S}.runs
    ADD CONSTRAINT runs_status_ck CHECK (status IN ('running', 'succeeded', 'failed')),
    ADD CONSTRAINT runs_trigger_ck CHECK (trigger IN ('manual', 'schedule', 'catch-up'))`);
  // The backstop behind the advisory locks: two schedulers can never both own a period.
  await knex.raw(`CREATE UNIQUE INDEX runs_scheduled_once_uq ON ${S}.runs (org_id, job, period_from, period_to)
    WHERE status IN ('running', 'succeeded') AND trigger IN ('schedule', 'catch-up')`);
  await knex.raw(`CREATE INDEX runs_running_idx ON ${S}.runs (id) WHERE status = 'running'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX IF EXISTS ${S}.runs_running_idx`);
  await knex.raw(`DROP INDEX IF EXISTS ${S}.runs_scheduled_once_uq`);
  await knex.raw(`ALTER TABLE ${S}.runs DROP CONSTRAINT IF EXISTS runs_trigger_ck, DROP CONSTRAINT IF EXISTS runs_status_ck`);
  await knex.schema.withSchema(S).alterTable('runs', (t) => {
    t.dropColumn('stored_at');
    t.dropColumn('late');
    t.dropColumn('due_at');
  });
}
