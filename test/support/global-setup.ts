// One PostgreSQL server for the whole test run: the embedded one by default, or the server
// named by TEST_DATABASE_URL. Each test file then makes databases of its own on it.
import type { TestProject } from 'vitest/node';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedServer } from '../../db/embedded.ts';

let server: EmbeddedServer | undefined;

export default async function setup(project: TestProject) {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    try {
      server = await startEmbeddedPostgres();
    } catch (err) {
      if (!(err instanceof EmbeddedPostgresError)) throw err;
      // Where the embedded server cannot run, one line that says what to do, not a stack trace.
      process.stderr.write(`npm test: ${err.message}\n`);
      process.exit(2);
    }
    url = server.url;
    process.env.TEST_EMBEDDED_PG_DIR = server.dir;
  }
  project.provide('pgUrl', url);
  project.provide('pgEmbedded', !process.env.TEST_DATABASE_URL);
  return async () => {
    await server?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgEmbedded: boolean;
  }
}
