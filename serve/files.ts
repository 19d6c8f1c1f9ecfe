// Mapping a request path onto a published file, refusing anything that could leave the site or
// reach another organization. The raw request target is checked BEFORE any normalisation, so
// `..`, `%2e%2e`, `%252e%252e`, `..\`, `%5c` and NUL are refused however they are written, and the
// final answer is the realpath of a regular file inside <site>/<shortcode>: symlinks pointing out
// are refused too.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export type PathCheck =
  | { kind: 'bad' }
  | { kind: 'ok'; segments: string[]; trailingSlash: boolean };

/**
 * The decoded path segments of a raw request target (query string ignored), or 'bad' when the
 * target is malformed or tries to step outside: dot segments, hidden names, backslashes, NUL,
 * percent signs surviving one decoding (double encoding), control characters.
 */
export function checkRequestPath(rawUrl: string): PathCheck {
  const q = rawUrl.search(/[?#]/);
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  if (!rawPath.startsWith('/') || rawPath.length > 1024) return { kind: 'bad' };
  if (/\\|%5c|%00|\0/i.test(rawPath)) return { kind: 'bad' };
  const segments: string[] = [];
  const rawSegments = rawPath.slice(1).split('/');
  for (let i = 0; i < rawSegments.length; i++) {
    const raw = rawSegments[i];
    if (raw === '') {
      // Only the final segment may be empty ("/ngo1/"); "//" is refused.
      if (i === rawSegments.length - 1) continue;
      return { kind: 'bad' };
    }
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { kind: 'bad' };
    }
    // A decoded segment must be a plain file name: no separators, no encoding left, no dot names.
    if (/[%/\\\0\u0001-\u001f\u007f]/.test(seg) || seg.startsWith('.')) return { kind: 'bad' };
    segments.push(seg);
  }
  return { kind: 'ok', segments, trailingSlash: rawPath.endsWith('/') };
}

export type FileLookup =
  | { kind: 'file'; file: string; type: string; size: number }
  | { kind: 'directory' }
  | { kind: 'missing' };

/** A regular file under <siteDir>/<segments…> whose realpath stays inside <siteDir>/<segments[0]>. */
export async function findSiteFile(siteDir: string, segments: string[]): Promise<FileLookup> {
  if (segments.length === 0) return { kind: 'missing' };
  let root: string;
  let real: string;
  try {
    root = await realpath(path.join(siteDir, segments[0]));
    real = await realpath(path.join(siteDir, ...segments));
  } catch {
    return { kind: 'missing' };
  }
  if (real !== root && !real.startsWith(root + path.sep)) return { kind: 'missing' };
  const siteReal = await realpath(siteDir).catch(() => undefined);
  if (!siteReal || !root.startsWith(siteReal + path.sep)) return { kind: 'missing' };
  const st = await stat(real).catch(() => undefined);
  if (!st) return { kind: 'missing' };
  if (st.isDirectory()) return { kind: 'directory' };
  if (!st.isFile()) return { kind: 'missing' };
  const type = TYPES[path.extname(real).toLowerCase()];
  if (!type) return { kind: 'missing' };
  return { kind: 'file', file: real, type, size: st.size };
}
