// Organizations are their Glific id, not their shortcode: Glific lets a shortcode be reused once
// the organization that had it is deleted, and the new organization must inherit nothing of the
// old one. The results tables were keyed by org id from the start; this moves the rest there:
// the store's copy of each org no longer claims its shortcode for ever, and the operators'
// recipient changes and the delivery ledger are keyed by org id. Their `org_shortcode` stays as
// the label the row was written under.
//
// Backfill from what the store itself knows (the Glific database may be elsewhere):
//   deliveries  the org of the run that sent that digest (same shortcode, job and period), else
//               the org the store's `orgs` table has under that shortcode;
//   recipients  the org the store's `orgs` table has under that shortcode, else the newest run's.
// A row none of these places (a change made for an org that has never run) keeps org_id NULL and
// is adopted by the current organization of that shortcode the first time it is used
// (mail/recipients.ts).
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE ${S}.orgs DROP CONSTRAINT IF EXISTS orgs_shortcode_unique`);
  await knex.raw(`CREATE INDEX orgs_shortcode_idx ON ${S}.orgs (shortcode)`);

  await knex.raw(`ALTER TABLE ${S}.digest_recipients ADD COLUMN org_id bigint`);
  await knex.raw(`UPDATE ${S}.digest_recipients r SET org_id = o.org_id FROM ${S}.orgs o WHERE o.shortcode = r.org_shortcode`);
  await knex.raw(`UPDATE ${S}.digest_recipients r
    SET org_id = (SELECT x.org_id FROM ${S}.runs x WHERE x.shortcode = r.org_shortcode ORDER BY x.started_at DESC, x.id DESC LIMIT 1)
    WHERE r.org_id IS NULL`);
  await knex.raw(`ALTER TABLE ${S}.digest_recipients DROP CONSTRAINT digest_recipients_org_kind_email_uq`);
  await knex.raw(`CREATE UNIQUE INDEX digest_recipients_org_kind_email_uq ON ${S}.digest_recipients (org_id, kind, email)`);
  // Changes not placed yet stay unique per shortcode until they are adopted.
  await knex.raw(`CREATE UNIQUE INDEX digest_recipients_unplaced_uq ON ${S}.digest_recipients (org_shortcode, kind, email) WHERE org_id IS NULL`);

  await knex.raw(`ALTER TABLE ${S}.digest_deliveries ADD COLUMN org_id bigint`);
  await knex.raw(`UPDATE ${S}.digest_deliveries d
    SET org_id = (
      SELECT x.org_id FROM ${S}.runs x
       WHERE x.shortcode = d.org_shortcode AND x.job = d.kind
         AND (CASE WHEN d.kind = 'daily' THEN to_char(x.period_from, 'YYYY-MM-DD') ELSE to_char(x.period_from, 'YYYY-MM') END) = d.period
       ORDER BY x.started_at DESC, x.id DESC LIMIT 1)`);
  await knex.raw(`UPDATE ${S}.digest_deliveries d SET org_id = o.org_id FROM ${S}.orgs o WHERE d.org_id IS NULL AND o.shortcode = d.org_shortcode`);
  await knex.raw(`ALTER TABLE ${S}.digest_deliveries DROP CONSTRAINT digest_deliveries_key_uq`);
  await knex.raw(`CREATE UNIQUE INDEX digest_deliveries_key_uq ON ${S}.digest_deliveries (org_id, kind, period, recipient)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX ${S}.digest_deliveries_key_uq`);
  await knex.raw(`ALTER TABLE ${S}.digest_deliveries ADD CONSTRAINT digest_deliveries_key_uq UNIQUE (org_shortcode, kind, period, recipient)`);
  await knex.raw(`ALTER TABLE ${S}.digest_deliveries DROP COLUMN org_id`);
  await knex.raw(`DROP INDEX ${S}.digest_recipients_unplaced_uq`);
  await knex.raw(`DROP INDEX ${S}.digest_recipients_org_kind_email_uq`);
  await knex.raw(`ALTER TABLE ${S}.digest_recipients ADD CONSTRAINT digest_recipients_org_kind_email_uq UNIQUE (org_shortcode, kind, email)`);
  await knex.raw(`ALTER TABLE ${S}.digest_recipients DROP COLUMN org_id`);
  await knex.raw(`DROP INDEX ${S}.orgs_shortcode_idx`);
  await knex.raw(`ALTER TABLE ${S}.orgs ADD CONSTRAINT orgs_shortcode_unique UNIQUE (shortcode)`);
}
