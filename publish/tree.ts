// Moving files between the live site and a build directory without touching the live copy.
import { copyFile, link, readdir, rm, rename, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { makeDir, narrowMode } from '../lib/output-files.ts';

/**
 * Hard-links a file (same inode, no bytes copied); copies when linking is impossible. With
 * `narrow`, the result is made no more than FILE_MODE: a page written by an older version (0644)
 * is narrowed once, which narrows the live site's link to the same inode too (never widens).
 */
export async function linkOrCopy(src: string, dst: string, narrow = true): Promise<void> {
  try {
    await link(src, dst);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK' || code === 'ENOTSUP') await copyFile(src, dst);
    else throw e;
  }
  if (narrow) await narrowMode(dst);
}

/**
 * Recreates a directory tree under dst with every file hard-linked. Safe because nothing in the
 * site is ever modified in place: every write goes to a new file in a fresh build directory.
 */
export async function linkTree(src: string, dst: string, narrow = true): Promise<number> {
  await makeDir(dst);
  let n = 0;
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) n += await linkTree(s, d, narrow);
    else if (e.isFile()) {
      await linkOrCopy(s, d, narrow);
      n++;
    }
  }
  return n;
}

/** Real byte copies, for files a later writer may rewrite in place (the data files). */
export async function copyTree(src: string, dst: string): Promise<void> {
  await makeDir(dst);
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) await copyTree(s, d);
    else if (e.isFile()) {
      // copyFile gives the copy its source's mode.
      await copyFile(s, d, constants.COPYFILE_FICLONE);
      await narrowMode(d);
    }
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Puts buildDir in the place of siteDir with two renames on one filesystem. Readers see the old
 * site or the new one, never a mix; between the renames (microseconds) the path is absent, and a
 * crash there is repaired by recoverSwap on the next publish.
 */
export async function swapIn(buildDir: string, siteDir: string, oldDir: string): Promise<void> {
  let hadOld = false;
  try {
    await rename(siteDir, oldDir);
    hadOld = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  try {
    await rename(buildDir, siteDir);
  } catch (e) {
    if (hadOld) await rename(oldDir, siteDir);
    throw e;
  }
  if (hadOld) await rm(oldDir, { recursive: true, force: true });
}

/** After a crash: put back a site moved aside but never replaced, and drop stale build dirs. */
export async function recoverSwap(outputDir: string, siteName: string): Promise<void> {
  const siteDir = path.join(outputDir, siteName);
  const entries = await readdir(outputDir).catch(() => [] as string[]);
  const olds = entries.filter((e) => e.startsWith(`.${siteName}-old-`)).sort();
  if (!(await exists(siteDir)) && olds.length) {
    await rename(path.join(outputDir, olds[olds.length - 1]), siteDir);
    olds.pop();
  }
  for (const e of [...olds, ...entries.filter((x) => x.startsWith(`.${siteName}-build-`))]) {
    await rm(path.join(outputDir, e), { recursive: true, force: true });
  }
}
