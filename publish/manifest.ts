// site/.manifest.json: which inputs each published page was rendered from, so the next publish
// re-renders only pages whose inputs changed, and which organization (Glific id) owns each
// site/<shortcode>/ folder: a shortcode reused by a new organization is another owner, whose
// folder replaces the old one's, and `serve` shows a folder only to users of its owner.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../lib/output-files.ts';

export const MANIFEST_FILE = '.manifest.json';

export interface Manifest {
  format: 1;
  /** Page path (relative to the site root) -> hash of its model and the template version. */
  pages: Record<string, string>;
  /**
   * Organizations that have a directory in the site, by shortcode, for the global index; `id` is
   * the owner's Glific organizations.id (absent in sites of older versions: owner not known).
   */
  orgs: Record<string, { name: string; id?: number }>;
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
  // Atomic: `serve` reads it to know who owns each folder, also while the data files are rewritten.
  await writeFileAtomic(path.join(siteDir, MANIFEST_FILE), JSON.stringify(m, null, 0) + '\n');
}

/** The Glific id of the organization that owns site/<shortcode>/, when the manifest knows it. */
export function folderOwner(m: Manifest | null, shortcode: string): number | undefined {
  const id = m && Object.hasOwn(m.orgs, shortcode) ? m.orgs[shortcode].id : undefined;
  return typeof id === 'number' ? id : undefined;
}

export function pageHash(model: unknown, templateVersion: string): string {
  return createHash('sha256').update(templateVersion).update('\0').update(JSON.stringify(model)).digest('hex');
}
