// A progress bar for `run` on a terminal: the compute stages (shared by all orgs, they do most
// of the work) and then one step per org stored, with an ETA. Log lines still go through, above
// the bar. Off a terminal the plain JSON log lines are the progress.
import type { Log } from '../lib/log.ts';
import { COMPUTE_STAGE_NAMES } from '../metrics/registry.ts';

/** How many stages computeMetrics reports through onStage (metrics/compute.ts). */
export const COMPUTE_STAGES = COMPUTE_STAGE_NAMES.length;

export interface ProgressState {
  stagesDone: number;
  stage?: string;
  orgs: number;
  orgsDone: number;
  orgsFailed: number;
  startedMs: number;
}

// Weights: computing is most of a run; storing each org the rest.
const COMPUTE_SHARE = 0.8;

export function fractionDone(s: ProgressState): number {
  const compute = Math.min(s.stagesDone, COMPUTE_STAGES) / COMPUTE_STAGES;
  const store = s.orgs ? (s.orgsDone + s.orgsFailed) / s.orgs : 1;
  return Math.min(1, COMPUTE_SHARE * compute + (1 - COMPUTE_SHARE) * store);
}

const clock = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** One line: bar, percentage, stage, orgs stored, elapsed and ETA. */
export function renderProgress(s: ProgressState, nowMs: number, width = 24): string {
  const f = fractionDone(s);
  const filled = Math.round(f * width);
  const elapsed = nowMs - s.startedMs;
  const eta = f > 0.02 && f < 1 ? clock((elapsed / f) * (1 - f)) : f >= 1 ? '0:00' : '…';
  const failed = s.orgsFailed ? `, ${s.orgsFailed} failed` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%  ${(s.stage ?? 'starting').padEnd(20)} orgs ${s.orgsDone}/${s.orgs}${failed}  ${clock(elapsed)} elapsed, ETA ${eta}`;
}

/** Wrap a log so that it also draws the bar on `stream` (a TTY). Call done() at the end. */
export function progressLog(base: Log, stream: NodeJS.WritableStream, opts: { orgs: number; nowMs?: () => number }): Log & { done(): void } {
  const nowMs = opts.nowMs ?? Date.now;
  const s: ProgressState = { stagesDone: 0, orgs: opts.orgs, orgsDone: 0, orgsFailed: 0, startedMs: nowMs() };
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = () => {
    stream.write('\r\x1b[2K' + renderProgress(s, nowMs()));
    drawn = true;
  };
  const log = ((event, fields = {}) => {
    if (event === 'stage') {
      s.stagesDone++;
      s.stage = String(fields.stage);
    } else if (event === 'org.stored') {
      s.orgsDone++;
      s.stage = `stored ${fields.org}`;
    } else if (event === 'org.failed') s.orgsFailed++;
    clear();
    base(event, fields);
    draw();
  }) as Log & { done(): void };
  log.done = () => {
    if (drawn) {
      draw();
      stream.write('\n');
    }
    drawn = false;
  };
  return log;
}
