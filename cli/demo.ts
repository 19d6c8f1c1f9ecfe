// The `demo` command (`npm start`) lives in demo/, which a production build leaves out (the
// Docker image holds no demo, test or bench code). It is loaded only when asked for, through a
// specifier the compiler does not follow, so that the build does not pull demo/ back in.
import type { Config } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import type { Log } from '../lib/log.ts';
import type { CliIo } from './io.ts';

/** What cli/ uses of demo/run.ts (test/architecture.test.ts checks that the module fits). */
export interface DemoModule {
  runDemo(config: Config, io: CliIo, log: Log): Promise<number>;
}

export const DEMO_MODULE = '../demo/run.ts';

export async function loadDemo(): Promise<DemoModule> {
  try {
    return (await import(DEMO_MODULE)) as DemoModule;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // Only demo/run itself missing; a module missing under it is a broken checkout, shown as is.
    if (e.code === 'ERR_MODULE_NOT_FOUND' && /Cannot find module '[^']*[\\/]demo[\\/]run\.[jt]s'/.test(e.message ?? '')) {
      throw new UsageError('the demo is not part of this installation (the Docker image and `npm run build` hold production code only): run `npm start` in a checkout of the repository, or set GLIFIC_DATABASE_URL and use `run`');
    }
    throw err;
  }
}
