/**
 * `keras.utils.get_file`: downloads a file into the Keras cache unless it is already there, checks
 * its hash, and optionally extracts it.
 *
 * ```ts
 * const path = await getFile('mnist.npz', 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz', {
 *   fileHash: '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1',
 * }); // ~/.keras/datasets/mnist.npz
 * ```
 *
 * As in Keras: the cache is `$KERAS_HOME` or `~/.keras` (a temp folder's `.keras` when that is not
 * writable), the file lands in `cacheSubdir` (default `datasets`), a 64-hex `fileHash` is SHA-256
 * and a 32-hex one MD5, a cached file whose hash does not match is downloaded again, and
 * `extract: true` unpacks tar / tar.gz / zip archives into a folder named after `fname`.
 *
 * Beyond Keras: the download goes to `<target>.part` and is renamed only once complete and verified,
 * so an interrupted transfer never leaves a corrupt cache file — and the next call resumes it with an
 * HTTP range request. Extraction goes to a temporary folder renamed when complete, refuses members
 * that would land outside it, and refuses archives over `extractLimits`. When the download fails
 * (offline), the error says which file to put where to skip it.
 */
import {createHash} from '../platform/index.js';
import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from '../platform/index.js';
import {httpRequest, httpsRequest, type IncomingMessage} from '../platform/index.js';
import {homedir, tmpdir} from '../platform/index.js';
import {basename, join, resolve, sep} from '../platform/index.js';
import {Transform} from '../platform/index.js';
import {pipeline} from '../platform/index.js';
import {kerasHome} from '../config.js';
import {ValueError} from '../errors.js';
import {DEFAULT_EXTRACT_LIMITS, type ExtractLimits} from './archive_paths.js';
import {isGzip, maybeGunzip} from './idx.js';
import {extractTar, isTar} from './tar.js';
import {extractZip, isZip} from './zip.js';

export type HashAlgorithm = 'auto' | 'sha256' | 'md5';

/** Where text goes (a terminal, a file stream, `process.stderr`): no Node types in the public API. */
interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface GetFileOptions {
  /** Expected SHA-256 (64 hex digits) or MD5 (32) of the downloaded file. */
  fileHash?: string;
  /** Deprecated in Keras in favour of `fileHash`: an MD5 hash. */
  md5Hash?: string;
  /** Folder under the cache dir (default `datasets`); an absolute path is used as is. */
  cacheSubdir?: string;
  hashAlgorithm?: HashAlgorithm;
  /** Unpack a tar, tar.gz or zip archive; `getFile` then returns the extraction folder. */
  extract?: boolean;
  /** Deprecated in Keras: same as `extract` with `archiveFormat: 'tar'`. */
  untar?: boolean;
  archiveFormat?: 'auto' | 'tar' | 'zip' | null;
  /** Cache folder; defaults to `$KERAS_HOME` or `~/.keras`. */
  cacheDir?: string;
  forceDownload?: boolean;
  /** Where progress goes (default `process.stderr`); `false` for silence. */
  progress?: TextSink | false;
  /** Abort when the connection is idle this long (default 60 s). */
  timeoutMs?: number;
  /** Limits on what an archive may unpack to. */
  extractLimits?: Partial<ExtractLimits>;
}

/** The cache folder `getFile` uses: the given or Keras home, or a temp `.keras` when not writable. */
export function cacheBase(cacheDir?: string): string {
  let base = cacheDir ?? kerasHome();
  if (base === '~' || base.startsWith('~/')) base = join(homedir(), base.slice(1));
  try {
    mkdirSync(base, {recursive: true});
    accessSync(base, constants.W_OK);
    return base;
  } catch {
    return join(existsSync('/tmp') ? '/tmp' : tmpdir(), '.keras');
  }
}

/**
 * Downloads `origin` into the cache as `fname` unless a valid copy is already there; returns the
 * local path (the extraction folder when `extract` is set).
 */
export async function getFile(fname: string | null | undefined, origin: string, options: GetFileOptions = {}): Promise<string> {
  if (!origin) throw new ValueError('Please specify the "origin" argument (URL of the file to download).');
  let fileHash = options.fileHash;
  let algorithm: HashAlgorithm = options.hashAlgorithm ?? 'auto';
  if (options.md5Hash !== undefined && fileHash === undefined) {
    fileHash = options.md5Hash;
    algorithm = 'md5';
  }
  const out = options.progress === undefined ? process.stderr : options.progress;
  const datadir = resolve(cacheBase(options.cacheDir), options.cacheSubdir ?? 'datasets');
  mkdirSync(datadir, {recursive: true});

  let name = fname ?? '';
  const providedName = !!name;
  if (!name) {
    let path: string;
    try {
      path = new URL(origin).pathname;
    } catch {
      throw new ValueError(`getFile: origin is not a valid URL. Received: origin=${origin}`);
    }
    name = decodeURIComponent(path.split('/').pop() ?? '');
    if (!name || name === '.' || name === '..' || /^[a-zA-Z]:/.test(name)) {
      throw new ValueError(`Can't parse the file name from the origin provided: '${origin}'. Please specify the \`fname\` argument.`);
    }
  } else if (name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
    throw new ValueError(
      `Paths are no longer accepted as the \`fname\` argument. To specify the file's parent directory, use the \`cacheDir\` argument. Received: fname=${name}`,
    );
  }

  const extract = !!(options.extract || options.untar);
  let downloadTarget: string;
  let extractionDir = '';
  if (extract) {
    if (providedName && name.includes('.')) {
      downloadTarget = join(datadir, name);
      extractionDir = join(datadir, `${name.slice(0, name.indexOf('.'))}_extracted`);
    } else {
      extractionDir = join(datadir, name);
      downloadTarget = join(datadir, `${name}_archive`);
    }
  } else {
    downloadTarget = join(datadir, name);
  }

  let download: boolean;
  if (options.forceDownload) download = true;
  else if (existsSync(downloadTarget)) {
    download = false;
    if (fileHash !== undefined && !(await validateFile(downloadTarget, fileHash, algorithm))) {
      note(
        out,
        `A local file was found, but it seems to be incomplete or outdated because the ${resolveAlgorithm(algorithm, fileHash)} ` +
          `file hash does not match the original value of ${fileHash} so we will re-download the data.`,
      );
      download = true;
    }
  } else if (extract && existsSync(extractionDir)) {
    // extracted earlier (extraction is atomic) and the archive since removed, or placed by hand
    return extractionDir;
  } else download = true;

  if (download) {
    await downloadVerified(origin, downloadTarget, fileHash, algorithm, out, options.timeoutMs ?? 60_000);
  }

  if (extract) {
    if (download || !existsSync(extractionDir)) {
      const format = options.untar ? 'tar' : options.archiveFormat === undefined ? 'auto' : options.archiveFormat;
      if (!extractArchive(downloadTarget, extractionDir, format, options.extractLimits)) {
        note(out, `Could not extract archive ${downloadTarget}: it is not a ${format === 'auto' ? 'tar or zip' : format} archive.`);
      }
    }
    return extractionDir;
  }
  return downloadTarget;
}

function note(out: TextSink | false, msg: string): void {
  if (out) out.write(msg + '\n');
}

function resolveAlgorithm(algorithm: HashAlgorithm, fileHash?: string): 'sha256' | 'md5' {
  if (algorithm === 'sha256') return 'sha256';
  if (algorithm === 'auto' && fileHash !== undefined && fileHash.length === 64) return 'sha256';
  return 'md5';
}

/** The file's SHA-256 (default, and for 'auto') or MD5, as lowercase hex. */
export async function hashFile(path: string, algorithm: HashAlgorithm = 'sha256'): Promise<string> {
  const h = createHash(algorithm === 'md5' ? 'md5' : 'sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** Whether the file's hash equals `fileHash` (SHA-256 when it has 64 hex digits, else MD5, for 'auto'). */
export async function validateFile(path: string, fileHash: string, algorithm: HashAlgorithm = 'auto'): Promise<boolean> {
  const alg = resolveAlgorithm(algorithm, fileHash);
  return (await hashFile(path, alg)) === fileHash.toLowerCase();
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function downloadVerified(
  origin: string,
  target: string,
  fileHash: string | undefined,
  algorithm: HashAlgorithm,
  out: TextSink | false,
  timeoutMs: number,
): Promise<void> {
  const part = `${target}.part`;
  note(out, `Downloading data from ${origin}`);
  for (let attempt = 0; ; attempt++) {
    let resumed: boolean;
    try {
      resumed = await fetchTo(origin, part, out, timeoutMs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException & {status?: number};
      const reason = e instanceof HttpError ? `${e.status} -- ${e.message}` : `${e.code ?? 'error'} -- ${e.message}`;
      throw new Error(`URL fetch failure on ${origin}: ${reason}. ${placeHint(origin, target, fileHash, algorithm)}` +
        (existsSync(part) ? ` The partial download ${part} is resumed on the next call.` : ''),
        {cause: err},
      );
    }
    if (fileHash !== undefined && !(await validateFile(part, fileHash, algorithm))) {
      rmSync(part, {force: true});
      if (resumed && attempt === 0) {
        note(out, 'The resumed download does not match the expected hash; downloading it again from the start.');
        continue;
      }
      throw new ValueError(
        `Incomplete or corrupted file detected. The ${resolveAlgorithm(algorithm, fileHash)} file hash does not match the provided value of ${fileHash}.`,
      );
    }
    renameSync(part, target);
    return;
  }
}

/** GETs `url` into `part` (appending with a Range request when a partial file exists). Returns whether it resumed. */
async function fetchTo(url: string, part: string, out: TextSink | false, timeoutMs: number): Promise<boolean> {
  let have = existsSync(part) ? statSync(part).size : 0;
  const res = await get(url, have > 0 ? {Range: `bytes=${have}-`} : {}, timeoutMs);
  let resumed = false;
  let total: number | null = null;
  const len = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
  if (res.statusCode === 206 && have > 0) {
    const m = /bytes (\d+)-\d+\/(\d+|\*)/.exec(String(res.headers['content-range'] ?? ''));
    if (m && Number(m[1]) === have) {
      resumed = true;
      total = m[2] === '*' ? null : Number(m[2]);
    } else {
      have = 0;
    }
  } else if (res.statusCode === 416 && have > 0) {
    // the partial file is as long as the remote one or longer: start over rather than trust it
    res.resume();
    rmSync(part, {force: true});
    return fetchTo(url, part, out, timeoutMs);
  }
  if (!resumed) {
    if (res.statusCode !== 200) {
      res.resume();
      throw new HttpError(res.statusCode ?? 0, res.statusMessage ?? 'HTTP error');
    }
    have = 0;
    total = len;
  }
  const progress = new Progress(out, total, resumed ? have : 0);
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      progress.update(received + (resumed ? have : 0));
      cb(null, chunk);
    },
  });
  await pipeline(res, counter, createWriteStream(part, {flags: resumed ? 'a' : 'w'}));
  if (len !== null && received !== len) {
    throw Object.assign(new Error(`connection closed after ${received} of ${len} bytes`), {code: 'ETRUNCATED'});
  }
  progress.done();
  return resumed;
}

function get(url: string, headers: Record<string, string>, timeoutMs: number, redirects = 0): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new ValueError(`getFile: origin is not a valid URL. Received: ${url}`));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new ValueError(`getFile: only http and https origins are supported. Received: ${url}`));
      return;
    }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {headers: {'User-Agent': 'keras-ts', ...headers}}, (res) => {
      const code = res.statusCode ?? 0;
      if (code >= 300 && code < 400 && res.headers.location) {
        res.resume();
        if (redirects >= 10) {
          reject(new HttpError(code, 'too many redirects'));
          return;
        }
        resolvePromise(get(new URL(res.headers.location, u).toString(), headers, timeoutMs, redirects + 1));
        return;
      }
      res.setTimeout(timeoutMs, () => res.destroy(Object.assign(new Error(`no data for ${timeoutMs} ms`), {code: 'ETIMEDOUT'})));
      resolvePromise(res);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no response for ${timeoutMs} ms`), {code: 'ETIMEDOUT'})));
    req.on('error', reject);
    req.end();
  });
}

const BAR = 30;

/** A download progress line: redrawn in place on a terminal, one summary line otherwise. */
class Progress {
  private last = 0;
  private readonly start = Date.now();
  private current = 0;
  private readonly tty: boolean;

  constructor(
    private readonly out: TextSink | false,
    private readonly total: number | null,
    private readonly initial: number,
  ) {
    this.tty = !!out && !!out.isTTY;
  }

  update(current: number): void {
    this.current = current;
    if (!this.out || !this.tty) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.out.write('\r' + this.line());
  }

  private line(): string {
    const secs = (Date.now() - this.start) / 1000;
    if (this.total) {
      const frac = Math.min(1, this.current / this.total);
      const done = Math.round(frac * BAR);
      const rate = (this.current - this.initial) / Math.max(secs, 1e-3);
      const eta = rate > 0 ? Math.round((this.total - this.current) / rate) : 0;
      return `${this.current}/${this.total} ${'━'.repeat(done)}${'─'.repeat(BAR - done)} ${String(Math.floor(frac * 100)).padStart(3)}% ${eta}s`;
    }
    return `${this.current} bytes ${secs.toFixed(0)}s`;
  }

  done(): void {
    if (!this.out) return;
    const secs = ((Date.now() - this.start) / 1000).toFixed(1);
    if (this.tty) this.out.write('\r' + this.line() + '\n');
    else this.out.write(`${this.current}${this.total ? '/' + this.total : ''} bytes in ${secs}s\n`);
  }
}

/**
 * Extracts `file` into `dest` if it is a tar (plain or gzipped) or zip archive; returns false when it
 * is none of the asked formats. Extraction goes to a sibling temp folder renamed into place.
 */
export function extractArchive(
  file: string,
  dest: string,
  format: 'auto' | 'tar' | 'zip' | null = 'auto',
  limits: Partial<ExtractLimits> = {},
): boolean {
  if (format === null) return false;
  const formats = format === 'auto' ? ['tar', 'zip'] : [format];
  const raw = readFileSync(file);
  const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
  const run = (fn: () => void): boolean => {
    rmSync(tmp, {recursive: true, force: true});
    mkdirSync(tmp, {recursive: true});
    try {
      fn();
      rmSync(dest, {recursive: true, force: true});
      renameSync(tmp, dest);
      return true;
    } catch (err) {
      rmSync(tmp, {recursive: true, force: true});
      throw err;
    }
  };
  for (const f of formats) {
    if (f === 'tar') {
      if (raw.length >= 3 && raw[0] === 0x42 && raw[1] === 0x5a && raw[2] === 0x68) {
        throw new ValueError(`${file}: bzip2-compressed tar archives are not supported; unpack it and place the folder at ${dest}`);
      }
      const body = isGzip(raw) ? maybeGunzip(raw, file, (limits.maxTotalBytes ?? DEFAULT_EXTRACT_LIMITS.maxTotalBytes) + 2 ** 20) : raw;
      if (isTar(body)) return run(() => extractTar(body, tmp, limits, file));
    } else if (f === 'zip') {
      if (isZip(raw)) return run(() => extractZip(raw, tmp, limits, file));
    }
  }
  return false;
}

/** "place mnist.npz in /root/.keras/datasets/ to skip the download", naming the hash when known. */
export function placeHint(origin: string, target: string, fileHash?: string, algorithm: HashAlgorithm = 'auto'): string {
  const folder = target.slice(0, target.length - basename(target).length) || '.' + sep;
  let originName = basename(target);
  try {
    originName = decodeURIComponent(basename(new URL(origin).pathname)) || originName;
  } catch {
    // keep the target's name
  }
  const as = originName === basename(target) ? '' : ` as ${basename(target)}`;
  const hash = fileHash ? ` (its ${resolveAlgorithm(algorithm, fileHash)} is ${fileHash})` : '';
  return `Place ${originName}${as} in ${folder} to skip the download${hash}.`;
}
