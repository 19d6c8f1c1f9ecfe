// Files under REPORTS_OUTPUT_DIR are for the service account and its group only: email previews
// hold recipients' addresses, the data files an organization's numbers. Modes are passed on every
// create rather than relying on the process umask (which the operator's shell or unit decides);
// a stricter umask still narrows them further.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';

export const FILE_MODE = 0o640;
export const DIR_MODE = 0o750;

export async function makeDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Writes a file so that a reader never sees it half-written. The temporary name is unique and
 * created exclusively, so a leftover from a crash can neither be reused nor lend its mode.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode: FILE_MODE, flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * Takes away permission bits beyond FILE_MODE / DIR_MODE from something that already exists
 * (written by an older version, hard-linked, or copied with its source's mode). Never widens.
 */
export async function narrowMode(p: string): Promise<void> {
  const st = await stat(p);
  const allowed = st.isDirectory() ? DIR_MODE : FILE_MODE;
  const mode = st.mode & 0o7777;
  if (mode & ~allowed) await chmod(p, mode & allowed);
}
