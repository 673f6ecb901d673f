/**
 * `CSVLogger` in the browser build. The callback appends each epoch's logs to a file, and a web page
 * has no file system: it refuses when constructed instead of when `fit` starts. package.json's
 * `browser` field maps `./csv_logger.js` here.
 */
import {ValueError} from '../errors.js';
import {Callback} from './callback.js';
import type {CSVLoggerOptions} from './csv_logger.js';

export class CSVLogger extends Callback {
  constructor(filename: string, _options: CSVLoggerOptions = {}) {
    super();
    throw new ValueError(
      `CSVLogger writes the epoch logs to a file (${JSON.stringify(filename)}) and needs Node.js: a web page has no file system. ` +
        'In a page, read the History that fit returns.',
    );
  }
}
