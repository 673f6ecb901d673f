/**
 * `imageDatasetFromDirectory` in the browser build. It lists a directory and reads its files, and a
 * web page has no file system: both the function and `ImageDataset` refuse with a message saying so.
 * package.json's `browser` field maps `./image_dataset.js` here (and `./text_dataset.js` to its
 * stand-in), which keeps the directory readers and the image decoders out of `keras.js`.
 */
import {ValueError} from '../errors.js';
import type {ImageDataset as NodeImageDataset, ImageDatasetOptions} from './image_dataset.js';

export type {ImageDatasetOptions};

/** The refusal both directory datasets give in a page. */
export function needsFileSystem(what: string, directory: unknown): never {
  throw new ValueError(
    `${what} reads the files of a directory (${JSON.stringify(directory)}) and needs Node.js: a web page has no file system. ` +
      'In a page, load the data as arrays (or fetch the files and decode them) and pass tensors to fit.',
  );
}

export class ImageDataset {
  constructor(filePaths?: string[]) {
    needsFileSystem('ImageDataset', filePaths?.[0] ?? null);
  }
}

export function imageDatasetFromDirectory(directory: string, _options?: ImageDatasetOptions): NodeImageDataset {
  return needsFileSystem('imageDatasetFromDirectory', directory);
}
