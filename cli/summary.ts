// The human-readable run summary that `run`, `schedule --once` and the demo print.
import type { RunSummary } from '../jobs/run.ts';

export function humanSummary(s: RunSummary): string {
  const outcome = s.exitCode === 0 ? 'succeeded' : s.orgs.some((o) => o.status === 'failed') ? 'FAILED' : 'stored, DIGESTS OWED (a later scheduler pass delivers them)';
  const lines = [`run ${s.job} (${s.trigger}): ${outcome}`];
  for (const o of s.orgs) {
    const period = o.from === o.to ? o.from : `${o.from} … ${o.to}`;
    const late = o.late ? `  LATE (due ${o.dueAt})` : '';
    const mark = o.status === 'succeeded' ? 'ok  ' : o.status === 'delivering' ? 'OWED' : 'FAIL';
    lines.push(`  ${mark} ${o.shortcode.padEnd(16)} ${period}${o.rows !== undefined ? `  ${o.rows} values` : ''}${late}${o.error ? `  ${o.error}` : ''}`);
    // Each org's own digests, never the run's total.
    if (o.email) lines.push(`       email: ${JSON.stringify(o.email)}`);
  }
  if (s.site) lines.push(`  site: ${JSON.stringify(s.site)}`);
  return lines.join('\n') + '\n';
}
