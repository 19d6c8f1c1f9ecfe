// `serve`'s sessions and its form key, in the store so that a logout holds across restarts and
// across several `serve` processes behind one proxy (docs/SERVE.md, Sessions).
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  // One row per live session. The cookie carries a random token; only its SHA-256 is stored, so
  // someone who can read the store cannot turn a row into a working cookie. Logout deletes the
  // row; rows past expires_at are purged.
  await knex.schema.withSchema(S).createTable('serve_sessions', (t) => {
    t.string('id', 64).primary(); // hex SHA-256 of the cookie token
    t.bigInteger('user_id').notNullable(); // Glific users.id
    t.bigInteger('org_id').notNullable(); // Glific organizations.id
    t.string('shortcode', 64).notNullable();
    t.text('org_name').notNullable();
    t.text('user_name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  await knex.raw(`CREATE INDEX serve_sessions_expires_idx ON ${S}.serve_sessions (expires_at)`);

  // The HMAC key of the login and logout form tokens when REPORTS_SESSION_SECRET is not set:
  // made by the first process that needs it and then shared by all of them.
  await knex.schema.withSchema(S).createTable('serve_keys', (t) => {
    t.string('name', 32).primary();
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).dropTableIfExists('serve_keys');
  await knex.schema.withSchema(S).dropTableIfExists('serve_sessions');
}
