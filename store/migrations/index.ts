// The results store's migrations, listed explicitly so that they run the same from sources
// (tsx) and from the compiled build, without Knex scanning a directory.
import type { Knex } from 'knex';
import * as core from './001_core.ts';
import * as deliveries from './002_deliveries.ts';
import * as runLedger from './003_run_ledger.ts';
import * as sessions from './004_sessions.ts';
import * as orgIds from './005_org_ids.ts';
import * as delivering from './006_delivering_heartbeats.ts';
import * as errors from './007_errors.ts';
import * as idSets from './008_id_sets.ts';
import * as chainCheckpoints from './009_chain_checkpoints.ts';
import * as inboundCheckpoints from './010_inbound_checkpoints.ts';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Append new migrations at the end; never reorder or rename one that has shipped. */
export const MIGRATIONS: Array<[string, Migration]> = [
  ['001_core', core],
  ['002_deliveries', deliveries],
  ['003_run_ledger', runLedger],
  ['004_sessions', sessions],
  ['005_org_ids', orgIds],
  ['006_delivering_heartbeats', delivering],
  ['007_errors', errors],
  ['008_id_sets', idSets],
  ['009_chain_checkpoints', chainCheckpoints],
  ['010_inbound_checkpoints', inboundCheckpoints],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  async getMigrations() {
    return MIGRATIONS;
  },
  getMigrationName([name]) {
    return name;
  },
  async getMigration([, m]) {
    return m;
  },
};
