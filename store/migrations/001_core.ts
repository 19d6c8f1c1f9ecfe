// Results store, first version: organizations as last seen, the run ledger, daily and period
// values with their provenance (METRICS.md §8), hourly activity and the conversation chain state.
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).createTable('orgs', (t) => {
    t.bigInteger('org_id').primary();
    t.text('shortcode').notNullable().unique();
    t.text('name').notNullable();
    t.text('timezone').notNullable();
    t.boolean('timezone_is_fallback').notNullable().defaultTo(false);
    t.text('email');
    t.jsonb('bookmarks').notNullable().defaultTo('{}');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.withSchema(S).createTable('runs', (t) => {
    t.bigIncrements('id').primary();
    t.text('job').notNullable(); // daily | monthly | range
    t.text('trigger').notNullable().defaultTo('manual'); // manual | schedule | catch-up
    t.bigInteger('org_id').notNullable();
    t.text('shortcode').notNullable();
    t.date('period_from').notNullable();
    t.date('period_to').notNullable();
    t.text('status').notNullable(); // running | succeeded | failed
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.integer('rows_written');
    t.text('error');
    t.text('host');
    t.integer('pid');
    t.index(['org_id', 'job', 'period_from']);
    t.index(['started_at']);
  });

  await knex.schema.withSchema(S).createTable('daily_values', (t) => {
    t.bigInteger('org_id').notNullable();
    t.date('day').notNullable();
    t.text('metric').notNullable();
    t.bigInteger('value'); // NULL: not known
    t.text('source').notNullable(); // raw | snapshot | glific_stats
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.boolean('late').notNullable().defaultTo(false);
    t.bigInteger('run_id');
    t.integer('definition_version').notNullable();
    t.primary(['org_id', 'day', 'metric']);
  });

  await knex.schema.withSchema(S).createTable('period_values', (t) => {
    t.bigInteger('org_id').notNullable();
    t.text('kind').notNullable(); // month | range
    t.date('period_from').notNullable();
    t.date('period_to').notNullable();
    t.text('metric').notNullable();
    t.bigInteger('value');
    t.text('source').notNullable();
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.bigInteger('run_id');
    t.integer('definition_version').notNullable();
    t.primary(['org_id', 'kind', 'period_from', 'period_to', 'metric']);
  });

  await knex.schema.withSchema(S).createTable('hourly_values', (t) => {
    t.bigInteger('org_id').notNullable();
    t.date('day').notNullable();
    t.smallint('hour').notNullable();
    t.integer('inbound').notNullable();
    t.integer('outbound').notNullable();
    t.bigInteger('run_id');
    t.primary(['org_id', 'day', 'hour']);
  });

  // The derived 24-hour conversation chain (METRICS.md §5): how far it has been computed, and
  // per contact the opening time of its latest conversation, so that the nightly run continues
  // the chain from yesterday instead of re-reading all history.
  await knex.schema.withSchema(S).createTable('conversation_chains', (t) => {
    t.bigInteger('org_id').primary();
    t.timestamp('chained_until', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.bigInteger('run_id');
  });
  await knex.schema.withSchema(S).createTable('conversation_chain_state', (t) => {
    t.bigInteger('org_id').notNullable();
    t.bigInteger('contact_id').notNullable();
    // microseconds since the epoch: Glific timestamps have µs precision, a JS Date only ms
    t.bigInteger('last_opened_us').notNullable();
    t.primary(['org_id', 'contact_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['conversation_chain_state', 'conversation_chains', 'hourly_values', 'period_values', 'daily_values', 'runs', 'orgs']) {
    await knex.schema.withSchema(S).dropTableIfExists(t);
  }
}
