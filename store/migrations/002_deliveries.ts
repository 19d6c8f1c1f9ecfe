// Tables of the email digests (docs/EMAIL.md): who gets which digest besides Glific's defaults,
// and the delivery ledger that makes each digest go out once per recipient.
import type { Knex } from 'knex';

const SCHEMA = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);

  // Operator overrides of the default recipients; an 'all' row applies to daily and monthly.
  await knex.schema.withSchema(SCHEMA).createTable('digest_recipients', (t) => {
    t.bigIncrements('id').primary();
    t.string('org_shortcode', 255).notNullable();
    t.string('kind', 16).notNullable();
    // Stored lower-cased: addresses are compared case-insensitively.
    t.string('email', 320).notNullable();
    t.string('action', 16).notNullable();
    t.string('note', 500).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_shortcode', 'kind', 'email'], { indexName: 'digest_recipients_org_kind_email_uq' });
  });
  await knex.raw(`ALTER TABLE ${SCHEMA}.digest_recipients
    ADD CONSTRAINT digest_recipients_kind_ck CHECK (kind IN ('daily', 'monthly', 'all')),
    ADD CONSTRAINT digest_recipients_action_ck CHECK (action IN ('add', 'remove')),
    ADD CONSTRAINT digest_recipients_email_lower_ck CHECK (email = lower(email))`);

  // One row per (org, digest kind, period, recipient). 'sending' is a claim by one run;
  // 'previewed' means only an .eml preview was written, which is not a delivery.
  await knex.schema.withSchema(SCHEMA).createTable('digest_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.string('org_shortcode', 255).notNullable();
    t.string('kind', 16).notNullable();
    t.string('period', 32).notNullable();
    t.string('recipient', 320).notNullable();
    t.string('status', 16).notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.integer('last_response_code').nullable();
    t.string('message_id', 998).nullable();
    t.string('claimed_by', 64).nullable();
    t.timestamp('claimed_at', { useTz: true }).nullable();
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['org_shortcode', 'kind', 'period', 'recipient'], { indexName: 'digest_deliveries_key_uq' });
    t.index(['status'], 'digest_deliveries_status_idx');
  });
  await knex.raw(`ALTER TABLE ${SCHEMA}.digest_deliveries
    ADD CONSTRAINT digest_deliveries_kind_ck CHECK (kind IN ('daily', 'monthly')),
    ADD CONSTRAINT digest_deliveries_status_ck CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'previewed')),
    ADD CONSTRAINT digest_deliveries_recipient_lower_ck CHECK (recipient = lower(recipient))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema(SCHEMA).dropTableIfExists('digest_deliveries');
  await knex.schema.withSchema(SCHEMA).dropTableIfExists('digest_recipients');
}
