import fs from 'node:fs';
import path from 'node:path';

/** Content types of what a Vite build emits. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export type StaticLookup =
  | { kind: 'file'; file: string; contentType: string }
  | { kind: 'not-found' }
  | { kind: 'forbidden' }
  | { kind: 'bad-request' };

function contentTypeOf(file: string): string {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function within(root: string, file: string): boolean {
  return file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Which file of the built renderer (`root`) a URL path names. Every segment is decoded on its own
 * and refused when it is `..` or `.`, or hides a separator or a NUL; the result must lie inside the
 * root, symbolic links resolved. Directories are never listed. A path without an extension that
 * names nothing gets index.html (the single-page app's own routes); `/` is index.html.
 */
export function resolveStaticPath(root: string, urlPath: string): StaticLookup {
  if (!urlPath.startsWith('/')) return { kind: 'bad-request' };
  const segments: string[] = [];
  for (const raw of urlPath.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { kind: 'bad-request' };
    }
    if (seg === '..' || seg === '.' || /[/\\\0]/.test(seg) || seg.includes(':')) return { kind: 'forbidden' };
    if (seg.startsWith('.')) return { kind: 'not-found' };
    segments.push(seg);
  }
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    return { kind: 'not-found' };
  }
  const index = path.join(realRoot, 'index.html');
  if (segments.length === 0) return { kind: 'file', file: index, contentType: contentTypeOf(index) };
  const candidate = path.resolve(realRoot, ...segments);
  if (!within(realRoot, candidate)) return { kind: 'forbidden' };
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    const last = segments[segments.length - 1]!;
    return path.extname(last) === ''
      ? { kind: 'file', file: index, contentType: contentTypeOf(index) }
      : { kind: 'not-found' };
  }
  if (!within(realRoot, real)) return { kind: 'forbidden' };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(real);
  } catch {
    return { kind: 'not-found' };
  }
  if (!stat.isFile()) return { kind: 'not-found' };
  return { kind: 'file', file: real, contentType: contentTypeOf(real) };
}
