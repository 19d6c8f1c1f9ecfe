// Moving files between the live site and a build directory without touching the live copy.
import { copyFile, link, mkdir, readdir, rm, rename, stat, open, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';

/** Hard-links a file (same inode, no bytes copied); copies when linking is impossible. */
export async function linkOrCopy(src: string, dst: string): Promise<void> {
  try {
    await link(src, dst);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK' || code === 'ENOTSUP') await copyFile(src, dst);
    else throw e;
  }
}

/**
 * Recreates a directory tree under dst with every file hard-linked. Safe because nothing in the
 * site is ever modified in place: every write goes to a new file in a fresh build directory.
 */
export async function linkTree(src: string, dst: string): Promise<number> {
  await mkdir(dst, { recursive: true });
  let n = 0;
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) n += await linkTree(s, d);
    else if (e.isFile()) {
      await linkOrCopy(s, d);
      n++;
    }
  }
  return n;
}

/** Real byte copies, for files a later writer may rewrite in place (the data files). */
export async function copyTree(src: string, dst: string): Promise<void> {
  await mkdir(dst, { recursive: true });
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) await copyTree(s, d);
    else if (e.isFile()) await copyFile(s, d, constants.COPYFILE_FICLONE);
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

/** One publisher at a time per output directory; a lock left by a dead process is taken over. */
export async function acquireLock(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await unlink(lockPath).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const { readFile } = await import('node:fs/promises');
      const pid = Number(await readFile(lockPath, 'utf8').catch(() => ''));
      if (pid && isAlive(pid)) throw new Error(`another site publish is running (pid ${pid}, lock ${lockPath})`);
      await unlink(lockPath).catch(() => undefined);
    }
  }
  throw new Error(`could not take the site lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
