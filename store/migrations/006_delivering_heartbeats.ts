// A run whose data is stored and whose site is published but some of whose digests are still
// owed (SMTP down, a claim of a crashed process not yet expired) is `delivering`: not succeeded,
// not to be recomputed; each scheduler tick retries its deliveries from the ledger and turns it
// `succeeded` when none is owed (docs/OPERATIONS.md). And the schedulers' heartbeats, which
// `status --json` (the container health check) reads.
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE ${S}.runs DROP CONSTRAINT runs_status_ck`);
  await knex.raw(`ALTER TABLE ${S}.runs ADD CONSTRAINT runs_status_ck CHECK (status IN ('running', 'delivering', 'succeeded', 'failed'))`);
  await knex.raw(`DROP INDEX ${S}.runs_scheduled_once_uq`);
  await knex.raw(`CREATE UNIQUE INDEX runs_scheduled_once_uq ON ${S}.runs (org_id, job, period_from, period_to)
    WHERE status IN ('running', 'delivering', 'succeeded') AND trigger IN ('schedule', 'catch-up')`);
  await knex.raw(`CREATE INDEX runs_delivering_idx ON ${S}.runs (id) WHERE status = 'delivering'`);

  // One row per scheduler process, rewritten while it lives (store/heartbeats.ts).
  await knex.schema.withSchema(S).createTable('scheduler_heartbeats', (t) => {
    t.text('host').notNullable();
    t.integer('pid').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('beat_at', { useTz: true }).notNullable(); // last sign of life (store reachable)
    t.timestamp('last_tick_at', { useTz: true }); // last tick that ended
    t.timestamp('last_ok_at', { useTz: true }); // last tick that could do its work
    t.text('error'); // why the last tick could not, NULL when it could
    t.integer('tick_seconds').notNullable(); // it beats this often; stale after five missed beats
    t.primary(['host', 'pid']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).dropTableIfExists('scheduler_heartbeats');
  await knex.raw(`DROP INDEX IF EXISTS ${S}.runs_delivering_idx`);
  await knex.raw(`UPDATE ${S}.runs SET status = 'failed' WHERE status = 'delivering'`);
  await knex.raw(`DROP INDEX ${S}.runs_scheduled_once_uq`);
  await knex.raw(`CREATE UNIQUE INDEX runs_scheduled_once_uq ON ${S}.runs (org_id, job, period_from, period_to)
    WHERE status IN ('running', 'succeeded') AND trigger IN ('schedule', 'catch-up')`);
  await knex.raw(`ALTER TABLE ${S}.runs DROP CONSTRAINT runs_status_ck`);
  await knex.raw(`ALTER TABLE ${S}.runs ADD CONSTRAINT runs_status_ck CHECK (status IN ('running', 'succeeded', 'failed'))`);
}
