// The charts of the range pages `serve` makes, drawn in worker threads: drawing is most of a
// page's time, and in the server's own thread it would hold up every other request (logins,
// static pages) and use one core only. A chart goes to the thread its place on the page names,
// so each thread compiles a chart shape once (charts/render.ts caches compiled shapes per thread)
// and a page's charts are drawn on all threads at once.
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { RenderOptions } from '../charts/render.ts';
import type { Chart } from '../charts/types.ts';
import type { DrawReply, DrawRequest } from './chart-worker.ts';

export interface ChartPool {
  /** The chart's SVG as renderSvg draws it; `slot` (its place on the page) picks the thread. */
  draw(chart: Chart, opts: RenderOptions, slot: number): Promise<string>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (svg: string) => void;
  reject: (err: Error) => void;
}

// Each thread's young generation is bounded (V8 would let it grow to 48 MB): drawing a chart leaves
// short-lived garbage only, and with the growth of every heap kept near what it holds alive
// (lib/memory.ts, set by `serve`) the old generation stays small. Bounding the old generation too
// puts V8 in its memory-starved mode, collecting after every page: a fifth slower, nothing saved.
// `limits` replaces these (tests of a thread that runs out: it ends, and its charts are drawn in
// the server's thread instead).
export const CHART_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 24 };

/**
 * One thread fewer than the cores: the server's own thread makes the page (HTML, tables, distinct
 * counts) while its charts are drawn, so on two cores one chart thread keeps both busy; a second
 * made a lone page ~20% faster but cost a heap of its own (~60 MB on the bench).
 */
export const DEFAULT_CHART_THREADS = Math.max(1, availableParallelism() - 1);

/** A thread ended before drawing the chart (as opposed to the chart failing to draw). */
class ThreadEnded extends Error {}

// The built tree runs chart-worker.js as it is; the sources (tests, tsx) need tsx in the thread too.
function startWorker(limits: ResourceLimits): Worker {
  const self = import.meta.url;
  if (self.endsWith('.js')) return new Worker(new URL('./chart-worker.js', self), { resourceLimits: limits });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./chart-worker.ts', self).href;
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { resourceLimits: limits });
}

export function createChartPool(size = DEFAULT_CHART_THREADS, limits: ResourceLimits = CHART_THREAD_LIMITS): ChartPool {
  let nextId = 0;
  let closed = false;
  const threads: Array<{ worker: Worker; pending: Map<number, Pending> } | null> = Array.from({ length: size }, () => null);

  function thread(i: number) {
    const had = threads[i];
    if (had) return had;
    const t = { worker: startWorker(limits), pending: new Map<number, Pending>() };
    // Idle threads do not keep the process alive; a thread that dies fails its charts and is
    // started again on the next chart.
    t.worker.unref();
    t.worker.on('message', (m: DrawReply) => {
      const p = t.pending.get(m.id);
      if (!p) return;
      t.pending.delete(m.id);
      if ('svg' in m) p.resolve(m.svg);
      else p.reject(new Error(m.error));
    });
    const fail = (why: string) => {
      const err = new ThreadEnded(why);
      if (threads[i] === t) threads[i] = null;
      for (const p of t.pending.values()) p.reject(err);
      t.pending.clear();
    };
    t.worker.on('error', (err) => fail(err.message));
    t.worker.on('exit', (code) => fail(`chart thread exited (${code})`));
    threads[i] = t;
    return t;
  }

  return {
    draw(chart, opts, slot) {
      if (closed) return Promise.reject(new Error('chart pool closed'));
      const t = thread(((slot % size) + size) % size);
      const id = nextId++;
      const drawn = new Promise<string>((resolve, reject) => {
        t.pending.set(id, { resolve, reject });
        // Only what drawing reads crosses to the thread: not the chart's table (a year's rows).
        t.worker.postMessage({ id, chart: { ...chart, table: { columns: [], rows: [] } }, opts } satisfies DrawRequest);
      });
      return drawn.catch((err: unknown) => {
        if (!(err instanceof ThreadEnded) || closed) throw err;
        // Vega is loaded into this thread only now: a server whose threads are well never holds it twice.
        return import('../charts/render.ts').then((m) => m.renderSvg(chart, opts));
      });
    },
    async close() {
      closed = true;
      await Promise.all(threads.map((t) => t?.worker.terminate()));
    },
  };
}
