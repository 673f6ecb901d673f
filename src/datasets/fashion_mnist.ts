/**
 * Fashion-MNIST: 60,000 28x28 grayscale training images of 10 kinds of clothing and 10,000 test
 * images, a drop-in replacement for MNIST. Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress,
 * 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await keras.datasets.fashionMnist.loadData();
 * // or, offline, from a folder that holds the four IDX files (e.g. Debian's dataset-fashion-mnist):
 * await keras.datasets.fashionMnist.loadData({dataDir: '/usr/share/datasets/fashion-mnist'});
 * ```
 *
 * Without `dataDir`, the files are downloaded (as Keras does) into `~/.keras/datasets/fashion-mnist/`;
 * copying the four `.gz` files there also skips the download. In a web page `dataDir` (or `origin`)
 * is the URL of a folder holding the four files: they are fetched, kept in the Cache API, and
 * checked by the SHA-256 of their content.
 *
 * Keras checks no hash for these files. Here every file is checked: either the `.gz` has the MD5
 * published by Zalando, or its unpacked content has the SHA-256 below — Debian re-compressed the
 * `.gz` files, so their MD5 differs while the content is the same (for the label files this was
 * checked against Zalando's own `.gz` files; the image hashes are those of Debian's content).
 */
import {createHash, existsSync, hasFileSystem, join, readFileSync} from '../platform/index.js';
import {ValueError} from '../errors.js';
import type {Tensor} from '../tensor/tensor.js';
import {readBytes} from '../utils/bytes_source.js';
import {readIdx, maybeGunzip} from '../utils/idx.js';
import type {NdArray} from '../utils/ndarray.js';
import {fetchDatasetFile, intTensor, ORIGIN_FOLDER, type DownloadOptions, type LoadResult} from './common.js';

export const FILES = [
  'train-labels-idx1-ubyte.gz',
  'train-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
] as const;

/** Zalando's published MD5 of each `.gz`. */
export const GZ_MD5: Record<(typeof FILES)[number], string> = {
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
};

/** SHA-256 of each file's unpacked IDX content. */
export const CONTENT_SHA256: Record<(typeof FILES)[number], string> = {
  'train-labels-idx1-ubyte.gz': 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  'train-images-idx3-ubyte.gz': 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  't10k-labels-idx1-ubyte.gz': '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  't10k-images-idx3-ubyte.gz': '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
};

export interface FashionMnistOptions extends DownloadOptions {
  /**
   * A folder holding the four files (`train-images-idx3-ubyte.gz` ..., gzipped or already unpacked
   * without the `.gz`), read instead of the cache and never downloaded.
   */
  dataDir?: string;
  /** Check the files' hashes (default true). */
  verify?: boolean;
}

export async function loadData(options: FashionMnistOptions = {}): Promise<LoadResult<Tensor>> {
  if (!hasFileSystem) return result(await fetchAll(options));
  const paths: string[] = [];
  for (const f of FILES) {
    if (options.dataDir !== undefined) {
      const gz = join(options.dataDir, f);
      const raw = join(options.dataDir, f.slice(0, -3));
      if (existsSync(gz)) paths.push(gz);
      else if (existsSync(raw)) paths.push(raw);
      else throw new ValueError(`fashion_mnist.loadData: ${options.dataDir} has neither ${f} nor ${f.slice(0, -3)}`);
    } else {
      const base = options.origin ?? ORIGIN_FOLDER;
      paths.push(
        await fetchDatasetFile(f, base + f, undefined, {...options, origin: undefined}, {cacheSubdir: join('datasets', 'fashion-mnist')}),
      );
    }
  }
  const arrays = paths.map((p, i) => {
    const bytes = readFileSync(p);
    const content = maybeGunzip(bytes, p);
    if (options.verify !== false) verify(FILES[i]!, p, bytes, content);
    return readIdx(content, p);
  });
  return result(arrays);
}

function result(arrays: NdArray[]): LoadResult<Tensor> {
  const [yTrain, xTrain, yTest, xTest] = arrays as [(typeof arrays)[0], (typeof arrays)[0], (typeof arrays)[0], (typeof arrays)[0]];
  const n = (a: typeof yTrain): number => a.shape[0]!;
  return [
    [intTensor(xTrain, 'fashion_mnist', [n(yTrain), 28, 28]), intTensor(yTrain, 'fashion_mnist')],
    [intTensor(xTest, 'fashion_mnist', [n(yTest), 28, 28]), intTensor(yTest, 'fashion_mnist')],
  ];
}

/** A page: the four files from the folder URL `dataDir` (else `origin`, else Keras's), cached. */
async function fetchAll(options: FashionMnistOptions): Promise<NdArray[]> {
  const folder = options.dataDir ?? options.origin ?? ORIGIN_FOLDER;
  const base = new URL(folder.endsWith('/') ? folder : `${folder}/`, (globalThis as {location?: {href: string}}).location?.href);
  return Promise.all(
    FILES.map(async (f) => {
      const {bytes, name} = await readBytes(new URL(f, base), {what: 'fashion_mnist.loadData', cacheName: 'keras-ts-datasets'});
      const content = maybeGunzip(bytes, name);
      if (options.verify !== false) {
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', content as Uint8Array<ArrayBuffer>));
        const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
        if (hex !== CONTENT_SHA256[f]) {
          throw new ValueError(`fashion_mnist.loadData: ${name} is not the Fashion-MNIST file ${f}: the SHA-256 of its content is ${hex}, expected ${CONTENT_SHA256[f]}. Pass {verify: false} to use it anyway.`);
        }
      }
      return readIdx(content, name);
    }),
  );
}

function verify(name: (typeof FILES)[number], path: string, bytes: Uint8Array, content: Uint8Array): void {
  if (createHash('md5').update(bytes).digest('hex') === GZ_MD5[name]) return;
  if (createHash('sha256').update(content).digest('hex') === CONTENT_SHA256[name]) return;
  throw new ValueError(
    `fashion_mnist.loadData: ${path} is not the Fashion-MNIST file ${name}: neither its MD5 (${GZ_MD5[name]} expected for the .gz) ` +
      `nor the SHA-256 of its content (${CONTENT_SHA256[name]} expected) match. Delete it to download it again, ` +
      'or pass {verify: false} to use it anyway.',
  );
}
