/**
 * What differs between Node.js and a web page, said once: where configuration comes from, where
 * text output goes, how training yields to the event loop, how HDF5 is loaded. The browser twin is
 * `../browser/environment.ts` (same names, same types; test/platform.test.ts checks it).
 */
import {readFileSync, writeFileSync, mkdirSync, existsSync} from 'node:fs';
import {join} from 'node:path';

export const platformName: 'node' | 'browser' = 'node';

/** A file system exists: a string source is a path (in a page it is a URL). */
export const hasFileSystem: boolean = true;

/** The backend used when neither keras.json nor `KERAS_BACKEND` names one. */
export const DEFAULT_BACKEND: string = 'native';

export function getEnv(name: string): string | undefined {
  return process.env[name];
}

export function environment(): Record<string, string | undefined> {
  return process.env;
}

/** `keras.json` in the Keras home folder: where it lives and its text (null when there is none). */
export function readKerasJson(home: string): {where: string; text: string | null} {
  const where = join(home, 'keras.json');
  return {where, text: existsSync(where) ? readFileSync(where, 'utf8') : null};
}

/** Creates `keras.json` with the defaults; throws when the folder is not writable. */
export function writeKerasJson(home: string, text: string): void {
  mkdirSync(home, {recursive: true});
  writeFileSync(join(home, 'keras.json'), text);
}

/** Text to standard output, as given (progress bars, summaries, callback messages). */
export function writeStdout(text: string): void {
  process.stdout.write(text);
}

export function stdoutIsTTY(): boolean {
  return Boolean(process.stdout.isTTY);
}

/** The terminal's width, when standard output is one. */
export function stdoutColumns(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

/** Resolves after pending I/O and timers had their turn (between training batches). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

type H5wasm = typeof import('h5wasm');

/** The HDF5 library (h5wasm), ready. Node's build reads files by path through its NODEFS. */
export async function loadH5wasm(): Promise<H5wasm> {
  const h5 = (await import('h5wasm/node')) as unknown as H5wasm;
  await h5.ready;
  return h5;
}

/** resvg (SVG to PNG), a native addon: Node only. */
export function loadResvg(): Promise<typeof import('@resvg/resvg-js')> {
  return import('@resvg/resvg-js');
}

/** A page offers bytes as a download; Node has files instead. */
export function offerDownload(_bytes: Uint8Array, filename: string): void {
  throw new Error(`offerDownload(${JSON.stringify(filename)}) needs a web page; in Node.js save to a path instead`);
}
