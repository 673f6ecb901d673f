/**
 * Where the bytes of a model, weights or dataset file come from: a path (Node.js), a URL (fetched;
 * in a page a plain string is a URL too), a `File`/`Blob`, or the bytes themselves (`ArrayBuffer`,
 * `Uint8Array`, any typed array). Every failure is a `ValueError` that names the source.
 *
 * ```ts
 * const {bytes, name} = await readBytes('https://example.com/model.keras', {what: 'loadModel'});
 * ```
 */
import {ValueError} from '../errors.js';
import {hasFileSystem, readFileSync} from '../platform/index.js';

/**
 * A WHATWG `URL`, by the one field read from it. The public types name neither the DOM library's nor
 * Node's `URL`, so a TypeScript program compiles against keras-ts with neither `lib: ["dom"]` nor
 * `@types/node`.
 */
export interface UrlLike {
  readonly href: string;
}

/** A `Blob` or `File`, by what is read from it (structural for the same reason as {@link UrlLike}). */
interface BlobLike {
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type BytesSource = string | UrlLike | BlobLike | ArrayBuffer | ArrayBufferView;

function isUrl(src: unknown): src is URL {
  return typeof URL !== 'undefined' && src instanceof URL;
}

function isBlob(src: unknown): src is Blob {
  return typeof Blob !== 'undefined' && src instanceof Blob;
}

export interface ReadBytesOptions {
  /** The caller, named in errors (`loadModel`). */
  what?: string;
  /** Keep fetched files in the Cache API under this cache name (pages; ignored where there is none). */
  cacheName?: string;
}

interface CacheLike {
  match(url: string): Promise<Response | undefined>;
  put(url: string, r: Response): Promise<void>;
}
interface CachesLike {
  open(name: string): Promise<CacheLike>;
}

/** How a source is named in messages: its path, its URL, a file's name, or `<N bytes>`. */
export function describeSource(src: BytesSource): string {
  if (typeof src === 'string') return src;
  if (isUrl(src)) return src.href;
  if (isBlob(src)) return (src as Blob & {name?: string}).name || `<Blob of ${src.size} bytes>`;
  if (src instanceof ArrayBuffer) return `<${src.byteLength} bytes>`;
  if (ArrayBuffer.isView(src)) return `<${src.byteLength} bytes>`;
  return String(src);
}

/** Whether `src` is a string that is a URL (`http:`, `https:`, `blob:`, `data:`, `file:`). */
function looksLikeUrl(s: string): boolean {
  return /^(https?|blob|data|file):/i.test(s);
}

function pageBase(): string | undefined {
  return (globalThis as {document?: {baseURI?: string}}).document?.baseURI ?? (globalThis as {location?: {href?: string}}).location?.href;
}

async function fetchBytes(url: string, name: string, what: string, cacheName?: string): Promise<Uint8Array> {
  const caches = (globalThis as {caches?: CachesLike}).caches;
  let cache: CacheLike | null = null;
  if (cacheName && caches) {
    try {
      cache = await caches.open(cacheName);
      const hit = await cache.match(url);
      if (hit) return new Uint8Array(await hit.arrayBuffer());
    } catch {
      cache = null; // storage refused (private mode, opaque origin): fetch every time
    }
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new ValueError(`${what}: cannot download ${name}: ${(e as Error).message}`);
  }
  if (!response.ok) {
    throw new ValueError(`${what}: cannot download ${name}: the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await response.clone().arrayBuffer());
  } catch (e) {
    throw new ValueError(`${what}: the download of ${name} was cut short (${(e as Error).message})`);
  }
  if (!encoded && Number.isFinite(declared) && bytes.length !== declared) {
    throw new ValueError(`${what}: the download of ${name} was cut short: received ${bytes.length} of ${declared} bytes`);
  }
  if (cache) await cache.put(url, response).catch(() => undefined);
  return bytes;
}

/** Reads all bytes of `src`; `name` is how errors should call it. */
export async function readBytes(src: BytesSource, options: ReadBytesOptions = {}): Promise<{bytes: Uint8Array; name: string}> {
  const what = options.what ?? 'readBytes';
  const name = describeSource(src);
  if (src instanceof ArrayBuffer) return {bytes: new Uint8Array(src), name};
  if (ArrayBuffer.isView(src)) return {bytes: new Uint8Array(src.buffer, src.byteOffset, src.byteLength), name};
  if (isBlob(src)) {
    try {
      return {bytes: new Uint8Array(await src.arrayBuffer()), name};
    } catch (e) {
      throw new ValueError(`${what}: cannot read ${name}: ${(e as Error).message}`);
    }
  }
  if (typeof src === 'string' && hasFileSystem && !/^(https?|blob|data):/i.test(src)) {
    try {
      const buf = readFileSync(src.startsWith('file:') ? new URL(src) : src);
      return {bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), name};
    } catch (e) {
      throw new ValueError(`${what}: cannot read ${name}: ${(e as Error).message}`);
    }
  }
  if (typeof src === 'string' || isUrl(src)) {
    let url: URL;
    try {
      url = typeof src === 'string' && !looksLikeUrl(src) ? new URL(src, pageBase()) : new URL(String(src));
    } catch {
      throw new ValueError(`${what}: ${JSON.stringify(String(src))} is neither a URL nor (in a page, which has no files) a path`);
    }
    if (url.protocol === 'file:' && hasFileSystem) return readBytes(url.href, options);
    return {bytes: await fetchBytes(url.href, name, what, options.cacheName), name};
  }
  throw new ValueError(`${what}: expected a path, a URL, a File/Blob, an ArrayBuffer or a typed array. Received: ${typeof src}`);
}
