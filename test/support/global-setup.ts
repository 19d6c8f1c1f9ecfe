// One PostgreSQL server for the whole test run: the embedded one by default, or the server
// named by TEST_DATABASE_URL. Each test file then makes databases of its own on it.
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../db/embedded.ts';

let server: EmbeddedServer | undefined;

export default async function setup(project: TestProject) {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    server = await startEmbeddedPostgres();
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
