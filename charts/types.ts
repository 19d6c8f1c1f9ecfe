// What a chart is once its data has been picked: a Vega-Lite spec (plain data) plus the words and
// the table that make it readable without the picture (screen readers, print, email clients).
import type { TopLevelSpec } from 'vega-lite';

export type VegaLiteSpec = TopLevelSpec;

export type Cell = string | number | null;

export interface ChartTable {
  columns: string[];
  rows: Cell[][];
}

export interface Chart {
  id: string;
  title: string;
  /** One sentence stating the chart's key numbers. */
  description: string;
  spec: VegaLiteSpec;
  table: ChartTable;
}

export type PeriodKind = 'day' | 'month' | 'range' | 'index';

/** Inclusive local dates (YYYY-MM-DD) of the window a chart covers. */
export interface ChartPeriod {
  kind: PeriodKind;
  from: string;
  to: string;
}
