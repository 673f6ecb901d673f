/**
 * The Node.js built-ins that the Node-only parts of keras-ts use (file paths, downloads, the HDF5
 * worker, compression), re-exported under their own names. Code above `platform/` imports them from
 * here, never from `node:*`, so a browser build swaps this file for `../browser/apis.ts`.
 */
export {
  accessSync, appendFileSync, closeSync, constants, copyFileSync, createReadStream, createWriteStream, existsSync, fsyncSync,
  linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync,
  writeFileSync,
} from 'node:fs';
export {readFile} from 'node:fs/promises';
export {devNull, endianness, homedir, hostname, tmpdir} from 'node:os';
export {basename, dirname, extname, isAbsolute, join, normalize, relative, resolve, sep} from 'node:path';
export {createHash, randomBytes} from 'node:crypto';
export {Worker, parentPort} from 'node:worker_threads';
export {fileURLToPath} from 'node:url';
export {crc32, deflateRawSync, gunzipSync, gzipSync, inflateRawSync} from 'node:zlib';
export {kMaxLength} from 'node:buffer';
export {request as httpRequest, type IncomingMessage} from 'node:http';
export {request as httpsRequest} from 'node:https';
export {Transform} from 'node:stream';
export {pipeline} from 'node:stream/promises';
export {createRequire} from 'node:module';
export {setFlagsFromString} from 'node:v8';
export {spawnSync} from 'node:child_process';
// pngjs is built on Node's streams and zlib
export {PNG} from 'pngjs';
