// The human-readable run summary that `run`, `schedule --once` and the demo print.
import type { RunSummary } from '../jobs/run.ts';

export function humanSummary(s: RunSummary): string {
  const lines = [`run ${s.job} (${s.trigger}): ${s.exitCode === 0 ? 'succeeded' : 'FAILED'}`];
  for (const o of s.orgs) {
    const period = o.from === o.to ? o.from : `${o.from} … ${o.to}`;
    const late = o.late ? `  LATE (due ${o.dueAt})` : '';
    lines.push(`  ${o.status === 'succeeded' ? 'ok  ' : 'FAIL'} ${o.shortcode.padEnd(16)} ${period}${o.rows !== undefined ? `  ${o.rows} values` : ''}${late}${o.error ? `  ${o.error}` : ''}`);
  }
  if (s.site) lines.push(`  site: ${JSON.stringify(s.site)}`);
  if (s.email) lines.push(`  email: ${JSON.stringify(s.email)}`);
  return lines.join('\n') + '\n';
}
