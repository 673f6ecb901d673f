/**
 * `BackupAndRestore` in the browser build. The callback keeps the training state in files under a
 * folder, and a web page has no file system: it refuses when constructed instead of at the end of
 * the first epoch. package.json's `browser` field maps `./backup_and_restore.js` here.
 */
import {ValueError} from '../errors.js';
import {Callback} from './callback.js';
import type {BackupAndRestoreArgs} from './backup_and_restore.js';

export type {BackupAndRestoreArgs};

export class BackupAndRestore extends Callback {
  constructor(backupDir: string, _args: BackupAndRestoreArgs = {}) {
    super();
    throw new ValueError(
      `BackupAndRestore writes the training state under backupDir (${JSON.stringify(backupDir)}) and needs Node.js: a web page has no file system. ` +
        'In a page, keep the weights with model.getWeights(), or the model as bytes with keras.saving.modelToBytes.',
    );
  }
}
