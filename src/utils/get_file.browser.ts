/**
 * `getFile` and its helpers in the browser build. They download into the Keras cache folder
 * (`~/.keras/datasets`) and hash or unpack files there, and a web page has no file system: each
 * refuses with one clear error. package.json's `browser` field maps `./get_file.js` here, which
 * keeps the downloader, the tar reader and the hashing streams out of `keras.js`.
 */
import {ValueError} from '../errors.js';
import type {GetFileOptions, HashAlgorithm} from './get_file.js';

export type {GetFileOptions, HashAlgorithm};

function noFileSystem(what: string, path: string | null | undefined): ValueError {
  return new ValueError(
    `${what} works on files of the Keras cache folder (${JSON.stringify(path ?? null)}) and needs Node.js: a web page has no file system. ` +
      "In a page, fetch the bytes yourself (fetch(url).then((r) => r.arrayBuffer())) and pass them to the loader that takes bytes.",
  );
}

export async function getFile(fname: string | null | undefined, origin: string, options: GetFileOptions = {}): Promise<string> {
  void options;
  throw noFileSystem('getFile', fname ?? origin);
}

export async function hashFile(path: string, algorithm: HashAlgorithm = 'sha256'): Promise<string> {
  void algorithm;
  throw noFileSystem('hashFile', path);
}

export async function validateFile(path: string, fileHash: string, algorithm: HashAlgorithm = 'auto'): Promise<boolean> {
  void fileHash;
  void algorithm;
  throw noFileSystem('validateFile', path);
}

export function extractArchive(file: string): boolean {
  throw noFileSystem('extractArchive', file);
}
