import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from './db/embedded.ts';
import { withDatabase } from './db/connect.ts';
const server = await startEmbeddedPostgres({ parentDir: path.join(os.tmpdir(), 'glific-reports-bench-10000000-20-60'), persistent: true });
console.log(withDatabase(server.url, 'glific_bench'));
process.on('SIGTERM', async () => { await server.stop(); process.exit(0); });
setInterval(() => {}, 1e6);
