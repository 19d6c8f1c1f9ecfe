// Charts as a page shows them: the chart, its words, and its data table with unknown cells shown
// as "—" / "not known".
import type { Cell, Chart } from '../charts/types.ts';
import { showCount, type Shown } from '../lib/words.ts';
import type { ChartBlock } from './model.ts';

function cell(c: Cell): Shown {
  if (typeof c === 'number' || c === null) return showCount(c);
  return { text: c, unknown: false };
}

/** `prefix` keeps element ids unique when a page shows the same chart twice (30 and 90 days). */
export function chartBlocks(charts: Chart[], prefix: string): ChartBlock[] {
  return charts.map((c) => ({
    domId: `${prefix}-${c.id}`,
    title: c.title,
    description: c.description,
    columns: c.table.columns,
    rows: c.table.rows.map((r) => r.map(cell)),
    chart: c,
  }));
}
