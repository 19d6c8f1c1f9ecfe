// One thread of the chart pool (serve/chart-pool.ts): draws the charts it is sent, one at a time,
// with the same renderSvg as everywhere else, so a page drawn here is the page drawn in-thread.
import { parentPort } from 'node:worker_threads';
import { renderSvg, type RenderOptions } from '../charts/render.ts';
import type { Chart } from '../charts/types.ts';

export interface DrawRequest {
  id: number;
  chart: Chart;
  opts: RenderOptions;
}

export type DrawReply = { id: number; svg: string } | { id: number; error: string };

const port = parentPort!;
port.on('message', (m: DrawRequest) => {
  renderSvg(m.chart, m.opts).then(
    (svg) => port.postMessage({ id: m.id, svg } satisfies DrawReply),
    (err: unknown) => port.postMessage({ id: m.id, error: String((err as Error)?.message ?? err) } satisfies DrawReply),
  );
});
