// Small phrases shared by chart descriptions.
import { formatCount } from './numbers.ts';

export function missingNote(missingDays: number): string {
  if (missingDays <= 0) return '';
  return missingDays === 1 ? ' (1 day not known)' : ` (${formatCount(missingDays)} days not known)`;
}

export function share(part: number | null | undefined, whole: number | null | undefined): string {
  if (part == null || whole == null || whole <= 0) return '';
  return ` (${Math.round((part / whole) * 1000) / 10}%)`;
}
