/**
 * `TensorBoard` in the browser build. The callback writes event files into a log directory, and a
 * web page has no file system: it refuses when constructed instead of at the first write of `fit`.
 * package.json's `browser` field maps `./tensorboard.js` here, which keeps the event-file writer out
 * of `keras.js`.
 */
import {ValueError} from '../errors.js';
import {Callback} from './callback.js';
import type {TensorBoardArgs} from './tensorboard.js';

export type {TensorBoardArgs};

export class TensorBoard extends Callback {
  constructor(args: TensorBoardArgs = {}) {
    super();
    throw new ValueError(
      `TensorBoard writes event files under logDir (${JSON.stringify(args.logDir ?? 'logs')}) and needs Node.js: a web page has no file system. ` +
        'In a page, read the History that fit returns, or draw it with keras.utils.plotHistory.',
    );
  }
}
