/**
 * The web page's side of `../node/environment.ts`: configuration from `localStorage` (the same keys
 * as keras.json, stored as its JSON text under "keras.json"), text output through `console` (one
 * line per call, as a non-terminal log), yields through a MessageChannel, h5wasm's ES module build.
 */
import type * as Node from '../node/environment.js';

interface PageGlobals {
  localStorage?: {getItem(key: string): string | null; setItem(key: string, value: string): void};
  MessageChannel?: new () => {port1: {onmessage: (() => void) | null; close(): void}; port2: {postMessage(v: unknown): void; close(): void}};
  document?: {createElement(tag: string): {href: string; download: string; click(): void; remove(): void}; body: {appendChild(e: unknown): void}};
  URL: {createObjectURL(b: Blob): string; revokeObjectURL(u: string): void};
}
// cast: a page's globals (localStorage, fetch, caches) are not in the ES2022 lib this project compiles with
const page = globalThis as unknown as PageGlobals;

export const platformName: typeof Node.platformName = 'browser';

export const hasFileSystem: boolean = false;

/** The WebAssembly backend, whose kernels ./wasm.ts fetched as the page loaded keras-ts ('reference' when it could not). */
export const DEFAULT_BACKEND: string = 'wasm';

/** A page has no environment variables; `KERAS_BACKEND` and friends may be set in localStorage. */
export function getEnv(name: string): string | undefined {
  try {
    return page.localStorage?.getItem(name) ?? undefined;
  } catch {
    return undefined; // storage refused (privacy settings, sandboxed frame)
  }
}

export function environment(): Record<string, string | undefined> {
  return {};
}

export function readKerasJson(_home: string): {where: string; text: string | null} {
  return {where: 'localStorage["keras.json"]', text: getEnv('keras.json') ?? null};
}

/** Nothing is written to a page's storage unasked: the defaults need no file. */
export function writeKerasJson(_home: string, _text: string): void {}

let pending = '';

/** Text to the console: complete lines only, each as one `console.log` (no `\r` redraws in a page). */
export function writeStdout(text: string): void {
  pending += text;
  const lines = pending.split('\n');
  pending = lines.pop()!;
  for (const line of lines) console.log(line.slice(line.lastIndexOf('\r') + 1));
}

export function stdoutIsTTY(): boolean {
  return false;
}

export function stdoutColumns(): number | undefined {
  return undefined;
}

/** A macrotask (MessageChannel: not clamped to 4 ms as nested timers are), so the page stays live. */
export function yieldToEventLoop(): Promise<void> {
  const MC = page.MessageChannel;
  if (!MC) return new Promise<void>((resolve) => setTimeout(resolve, 0));
  return new Promise<void>((resolve) => {
    const ch = new MC();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

type H5wasm = typeof import('h5wasm');

/**
 * h5wasm's ES module build (its WebAssembly is inside it); files live in its in-memory file system.
 * The HDF5 library prints diagnostics on bad files; errors reach the caller as exceptions, so its
 * printers are bound to a quiet console while it starts (as the Node worker does for its thread).
 */
export async function loadH5wasm(): Promise<H5wasm> {
  const saved = [console.log, console.warn, console.error] as const;
  const quiet = (): void => undefined;
  console.log = console.warn = console.error = quiet;
  try {
    const h5 = await import('h5wasm');
    await h5.ready;
    return h5;
  } finally {
    [console.log, console.warn, console.error] = saved;
  }
}

/** resvg is a native addon: a page asks for SVG (`plotModel(..., {toFile: 'model.svg'})`) instead of PNG. */
export function loadResvg(): Promise<typeof import('@resvg/resvg-js')> {
  return Promise.reject(new Error('PNG output needs Node.js (resvg is a native addon); in a web page ask for SVG instead'));
}

/** Offers `bytes` to the user as a file download named `filename`. */
export function offerDownload(bytes: Uint8Array, filename: string): void {
  const doc = page.document;
  if (!doc) throw new Error(`offerDownload(${JSON.stringify(filename)}) needs a page with a document`);
  const url = page.URL.createObjectURL(new Blob([bytes], {type: 'application/octet-stream'}));
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename;
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => page.URL.revokeObjectURL(url), 0);
}
