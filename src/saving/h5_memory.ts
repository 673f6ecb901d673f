/**
 * HDF5 on this thread, in h5wasm's in-memory file system: how a web page reads and writes weights
 * (it has no files and no worker threads for `h5_io.ts`'s worker). Same reader and writer as the
 * worker (`h5_worker.ts`), same limits, same errors naming the source.
 */
import {ValueError} from '../errors.js';
import type {H5Group} from './h5_tree.js';
import type {ReadLimits} from './h5_worker.js';

let counter = 0;

interface MemFS {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
}

async function library(): Promise<{fs: MemFS; readFile: (p: string, l: ReadLimits) => H5Group; writeFile: (p: string, t: H5Group) => void}> {
  const m = await import('./h5_worker.js');
  return {fs: m.h5.FS as unknown as MemFS, readFile: m.readFile, writeFile: m.writeFile};
}

function unlinkQuietly(fs: MemFS, path: string): void {
  try {
    fs.unlink(path);
  } catch {
    // never written
  }
}

export async function readH5InMemory(bytes: Uint8Array, limits: ReadLimits, source: string): Promise<H5Group> {
  const lib = await library();
  const path = `/keras-ts-read-${++counter}.h5`;
  try {
    lib.fs.writeFile(path, bytes);
    return lib.readFile(path, limits);
  } catch (e) {
    throw new ValueError(`${source}: invalid HDF5 file: ${(e as Error).message ?? String(e)}; the file may be truncated or corrupted`);
  } finally {
    unlinkQuietly(lib.fs, path);
  }
}

export async function writeH5InMemory(tree: H5Group): Promise<Uint8Array> {
  const lib = await library();
  const path = `/keras-ts-write-${++counter}.h5`;
  try {
    lib.writeFile(path, tree);
    return lib.fs.readFile(path).slice();
  } catch (e) {
    throw new ValueError(`Cannot write HDF5 data: ${(e as Error).message ?? String(e)}`);
  } finally {
    unlinkQuietly(lib.fs, path);
  }
}
