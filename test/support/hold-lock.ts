// A separate process that takes an output directory's lock and holds it: "a publish in progress"
// for tests. Prints "held" once it has the lock; SIGTERM makes it release the lock and exit (a
// publish that finishes), SIGKILL kills it with the lock file left behind (an unclean stop).
import { acquireLock } from '../../publish/lock.ts';

const lock = await acquireLock(process.argv[2], { heartbeatMs: 200, waitMs: 60_000, pollMs: 50 });
process.stdout.write(`held ${process.pid}\n`);
const keepAlive = setInterval(() => undefined, 60_000);
process.on('SIGTERM', async () => {
  clearInterval(keepAlive);
  await lock.release();
  process.exit(0);
});
