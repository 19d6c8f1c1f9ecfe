// Which organization (Glific id) owns each site/<shortcode>/ folder, from the site's manifest
// (publish/manifest.ts). A shortcode can pass from a deleted organization to a new one: a
// session's shortcode alone does not say the folder is its organization's. The manifest is
// re-read when it changes (a publish swaps in a new one), and a copy that cannot be read keeps
// the last good one.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { folderOwner, MANIFEST_FILE, readManifest, type Manifest } from '../publish/manifest.ts';

export class FolderOwners {
  private seen?: string;
  private manifest: Manifest | null = null;

  constructor(private readonly siteDir: string) {}

  /**
   * The owner's id; undefined when the site does not say (a site of an older version, or no
   * manifest yet), in which case the folder goes by its shortcode as before.
   */
  async ownerOf(shortcode: string): Promise<number | undefined> {
    const file = path.join(this.siteDir, MANIFEST_FILE);
    const st = await stat(file).catch(() => undefined);
    const version = st ? `${st.ino}:${st.mtimeMs}:${st.size}` : 'none';
    if (version !== this.seen) {
      const m = st ? await readManifest(this.siteDir) : null;
      if (m || !st) this.manifest = m;
      this.seen = m || !st ? version : undefined;
    }
    return folderOwner(this.manifest, shortcode);
  }
}
