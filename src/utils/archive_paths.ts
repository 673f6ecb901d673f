/**
 * Path checks shared by the tar and zip extractors: an archive member may only land inside the
 * extraction folder ("zip-slip" guard), and an archive may not unpack to an absurd size.
 */
import {realpathSync} from '../platform/index.js';
import {isAbsolute, join, normalize, relative, resolve, sep} from '../platform/index.js';
import {ValueError} from '../errors.js';

export interface ExtractLimits {
  /** Total uncompressed bytes an archive may unpack to. */
  maxTotalBytes: number;
  /** Number of members an archive may hold. */
  maxEntries: number;
}

export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxTotalBytes: 4 * 2 ** 30, // archives are unpacked in memory: node's buffers stop at 4 GiB
  maxEntries: 1_000_000,
});

function inside(base: string, p: string): boolean {
  const rel = relative(base, p);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * `dest/name`, or an error when `name` is absolute, has a drive letter or a NUL, or climbs out of
 * `dest` with `..`.
 */
export function safeJoin(dest: string, name: string, source: string): string {
  const bad = (): never => {
    throw new ValueError(
      `${source}: refusing to extract ${JSON.stringify(name)}: the path would land outside ${dest} ` +
        '(absolute path or ".." components). The archive may be corrupted or malicious',
    );
  };
  if (name.includes('\0') || /^[a-zA-Z]:/.test(name) || name.startsWith('/') || name.startsWith('\\')) bad();
  const base = resolve(dest);
  const target = resolve(base, normalize(name.replace(/\\/g, '/')));
  if (!inside(base, target)) bad();
  return target;
}

/** Where a symbolic link member at `name` pointing to `linkTarget` resolves; an error if outside `dest`. */
export function safeLinkTarget(dest: string, name: string, linkTarget: string, source: string): string {
  const at = safeJoin(dest, name, source);
  const resolved = isAbsolute(linkTarget) ? resolve(linkTarget) : resolve(join(at, '..'), linkTarget);
  if (!inside(resolve(dest), resolved)) {
    throw new ValueError(
      `${source}: refusing to extract the link ${JSON.stringify(name)} -> ${JSON.stringify(linkTarget)}: it points outside ${dest}`,
    );
  }
  return resolved;
}

/** Checks, after folders were created, that a real (symlink-resolved) folder is still inside `dest`. */
export function assertRealInside(dest: string, dir: string, source: string): void {
  const base = realpathSync(dest);
  const real = realpathSync(dir);
  if (!inside(base, real)) {
    throw new ValueError(`${source}: refusing to write into ${dir}: through a link it resolves outside ${dest}`);
  }
}
