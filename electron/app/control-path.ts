import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/**
 * Longest Unix domain socket path, in bytes without the final NUL: sun_path is 108 bytes on Linux,
 * 104 on macOS and the BSDs.
 */
export function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

export interface ControlPath {
  /** What to listen on and connect to: a socket file, or a named pipe on Windows. */
  path: string;
  /** A folder of our own in the OS temp folder that must exist (user-only) before listening there. */
  privateDir?: string;
}

function hashOf(file: string): string {
  return createHash('sha256').update(file).digest('hex').slice(0, 24);
}

/**
 * Where the owner of ledger `file` (an absolute path) listens for control requests:
 * - Windows: the named pipe `\\.\pipe\tranche-<hash of the path>` (pipes are not files);
 * - elsewhere: `<file>.ctl` beside the ledger when that fits the OS limit on socket paths, else
 *   `<temp>/tranche-<uid>/<hash of the path>.ctl`, in a user-only folder of the OS temp folder.
 * The hash keeps one ledger's channel apart from another's; the ledger's lock keeps one owner at a time.
 */
export function controlPathFor(
  file: string,
  platform: NodeJS.Platform = process.platform,
  tmpdir: string = os.tmpdir(),
  uid: number = typeof process.getuid === 'function' ? process.getuid() : 0,
): ControlPath {
  if (platform === 'win32') return { path: `\\\\.\\pipe\\tranche-${hashOf(file.toLowerCase())}` };
  const beside = `${file}.ctl`;
  if (Buffer.byteLength(beside) <= maxSocketPathBytes(platform)) return { path: beside };
  const privateDir = path.posix.join(tmpdir, `tranche-${uid}`);
  const hashed = path.posix.join(privateDir, `${hashOf(file)}.ctl`);
  if (Buffer.byteLength(hashed) > maxSocketPathBytes(platform)) {
    throw new Error(
      `no control channel path fits the ${maxSocketPathBytes(platform)}-byte limit of socket paths: both ${beside} and ${hashed} are too long (set TMPDIR to a shorter folder)`,
    );
  }
  return { path: hashed, privateDir };
}
