// site/.manifest.json: which inputs each published page was rendered from, so the next publish
// re-renders only pages whose inputs changed.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FILE_MODE } from '../lib/output-files.ts';

export const MANIFEST_FILE = '.manifest.json';

export interface Manifest {
  format: 1;
  /** Page path (relative to the site root) -> hash of its model and the template version. */
  pages: Record<string, string>;
  /** Organizations that have a directory in the site, for the global index. */
  orgs: Record<string, { name: string }>;
  /**
   * Every file of this site was written owner-and-group-only (lib/output-files.ts), so the next
   * publish links them without checking each one's mode. Absent in sites of older versions.
   */
  privateModes?: boolean;
}

export function emptyManifest(): Manifest {
  return { format: 1, pages: {}, orgs: {}, privateModes: true };
}

export async function readManifest(siteDir: string): Promise<Manifest | null> {
  try {
    const m = JSON.parse(await readFile(path.join(siteDir, MANIFEST_FILE), 'utf8')) as Manifest;
    if (m && m.format === 1 && typeof m.pages === 'object' && typeof m.orgs === 'object') return m;
  } catch {
    // Missing or unreadable: everything is rendered afresh.
  }
  return null;
}

export async function writeManifest(siteDir: string, m: Manifest): Promise<void> {
  await writeFile(path.join(siteDir, MANIFEST_FILE), JSON.stringify(m, null, 0) + '\n', { mode: FILE_MODE });
}

export function pageHash(model: unknown, templateVersion: string): string {
  return createHash('sha256').update(templateVersion).update('\0').update(JSON.stringify(model)).digest('hex');
}
