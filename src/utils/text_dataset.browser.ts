/**
 * `textDatasetFromDirectory` in the browser build: a web page has no file system to list and read
 * (see `image_dataset.browser.ts`); package.json's `browser` field maps `./text_dataset.js` here.
 */
import {needsFileSystem} from './image_dataset.browser.js';
import type {TextBatch, TextDataset as NodeTextDataset, TextDatasetOptions} from './text_dataset.js';

export type {TextBatch, TextDatasetOptions};

export class TextDataset {
  constructor(filePaths?: string[]) {
    needsFileSystem('TextDataset', filePaths?.[0] ?? null);
  }
}

export function textDatasetFromDirectory(directory: string, _options?: TextDatasetOptions): NodeTextDataset {
  return needsFileSystem('textDatasetFromDirectory', directory);
}
