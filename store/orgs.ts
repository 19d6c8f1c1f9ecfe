// The results store's copy of each organization (name, zone, bookmarks as of its last stored
// run), which the site and digests read instead of going back to Glific.
import type { Knex } from 'knex';
import type { OrgInfo } from '../extract/orgs.ts';

export async function saveOrg(trx: Knex.Transaction, org: OrgInfo, at: Date): Promise<void> {
  await trx('orgs')
    .insert({ org_id: org.id, shortcode: org.shortcode, name: org.name, timezone: org.timezone, timezone_is_fallback: org.timezoneIsFallback, email: org.email, bookmarks: JSON.stringify(org.bookmarks), updated_at: at })
    .onConflict('org_id')
    .merge();
}
