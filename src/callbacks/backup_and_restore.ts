/**
 * `BackupAndRestore` (Keras 3's `keras.callbacks.BackupAndRestore`): backs up the training state
 * (weights, optimizer state and the epoch reached) to `backupDir` at the end of every epoch (or every
 * `saveFreq` batches). When `fit` starts and a backup exists, it restores that state and makes `fit`
 * resume after the last completed epoch; when `fit` completes, the backup is deleted
 * (`deleteCheckpoint`).
 *
 * ```ts
 * const backup = new BackupAndRestore('/tmp/backup');
 * try {
 *   await model.fit(x, y, {epochs: 10, callbacks: [backup]}); // interrupted at epoch 4
 * } catch {}
 * await model.fit(x, y, {epochs: 10, callbacks: [backup]}); // runs epochs 4..9 only
 * ```
 *
 * The files are Keras's: `latest.weights.h5` (the Keras 3 weights layout, optimizer state included,
 * as Keras's `save_weights` writes it) and `training_metadata.json` (`{"epoch": e, "batch": b}`), plus
 * `.bkp` copies of the previous state with `doubleCheckpoint`. Use the folder for nothing else. The
 * model must be the same (and compiled the same way) as the one that wrote the backup.
 */
import {copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, unlinkSync} from '../platform/index.js';
import {join} from '../platform/index.js';
import {isChiefProcess} from '../distribution/state.js';
import {ValueError} from '../errors.js';
import {readH5File, writeFileAtomic, writeH5File} from '../saving/h5_io.js';
import {warn} from '../saving/saving_lib.js';
import {isSaveableModel, loadStateTree, stateTree, type SaveableModel} from '../saving/weights.js';
import {Callback, type CallbackModel, type HookResult, type Logs} from './callback.js';

export interface BackupAndRestoreArgs {
  /**
   * `'epoch'` (default): back up at the end of every epoch; a positive integer: every that many
   * batches; `false`: never (Keras keeps it for preemption checkpointing).
   */
  saveFreq?: 'epoch' | number | false;
  /** Keep the previous backup too, and fall back to it when the latest cannot be read (default false). */
  doubleCheckpoint?: boolean;
  /** Delete the backup when `fit` completes (default true). */
  deleteCheckpoint?: boolean;
}

export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly saveFreq: 'epoch' | number | false;
  readonly doubleCheckpoint: boolean;
  readonly deleteCheckpoint: boolean;
  readonly weightsPath: string;
  readonly trainingMetadataPath: string;
  readonly prevWeightsPath: string;
  readonly prevTrainingMetadataPath: string;
  /** The epoch a restore would resume at: the number of epochs completed. */
  currentEpoch = 0;
  /** The last batch index seen in the current epoch (for `saveFreq` in batches). */
  lastBatchSeen = 0;
  private batchesSeenSinceLastSaving = 0;

  constructor(backupDir: string, args: BackupAndRestoreArgs = {}) {
    super();
    if (!backupDir) throw new ValueError('Empty `backup_dir` argument passed');
    const {saveFreq = 'epoch', doubleCheckpoint = false, deleteCheckpoint = true} = args;
    if (saveFreq !== 'epoch' && saveFreq !== false && !(Number.isInteger(saveFreq) && saveFreq > 0)) {
      throw new ValueError(
        `Invalid value for argument \`save_freq\`. Received: save_freq=${JSON.stringify(saveFreq)}. Expected either 'epoch' or a positive integer value.`,
      );
    }
    this.backupDir = backupDir;
    this.saveFreq = saveFreq;
    this.doubleCheckpoint = doubleCheckpoint;
    this.deleteCheckpoint = deleteCheckpoint;
    this.weightsPath = join(backupDir, 'latest.weights.h5');
    this.trainingMetadataPath = join(backupDir, 'training_metadata.json');
    this.prevWeightsPath = `${this.weightsPath}.bkp`;
    this.prevTrainingMetadataPath = `${this.trainingMetadataPath}.bkp`;
  }

  override async onTrainBegin(): Promise<void> {
    try {
      await this.loadModel();
    } catch (e) {
      // the latest backup may be corrupted (a crash while writing it): try the previous one
      if (!existsSync(this.prevWeightsPath)) throw e;
      copyFileSync(this.prevWeightsPath, this.weightsPath);
      if (existsSync(this.prevTrainingMetadataPath)) copyFileSync(this.prevTrainingMetadataPath, this.trainingMetadataPath);
      else if (existsSync(this.trainingMetadataPath)) unlinkSync(this.trainingMetadataPath);
      await this.loadModel();
    }
  }

  /** The model, as a saveable one (every Keras model is); a clear error otherwise. */
  private saveableModel(): CallbackModel & SaveableModel {
    const model = this.model;
    if (!isSaveableModel(model)) throw new ValueError('BackupAndRestore: the model it was given is not a Keras model (a Layer with layers); it cannot be backed up');
    return model;
  }

  /** Restores the weights and optimizer state, and sets the epoch `fit` starts at. */
  private async loadModel(): Promise<void> {
    const model = this.saveableModel();
    if (!model.built) {
      throw new ValueError(
        `To use the BackupAndRestore callback, your model must be built before you call \`fit()\`. Model "${model.name}" is unbuilt. ` +
          'You can build it beforehand by calling it on a batch of data.',
      );
    }
    if (existsSync(this.weightsPath)) {
      const opt = model.optimizer;
      // the optimizer's slots must exist for its state to be restored
      if (opt && !opt.built) opt.build(model.trainableWeights);
      const tree = await readH5File(this.weightsPath);
      for (const w of loadStateTree(model, tree, {source: this.weightsPath, includeOptimizer: true})) warn(w);
    }
    if (existsSync(this.trainingMetadataPath)) {
      const text = readFileSync(this.trainingMetadataPath, 'utf8');
      let epoch: unknown;
      try {
        epoch = (JSON.parse(text) as {epoch?: unknown}).epoch;
      } catch (e) {
        throw new ValueError(`${this.trainingMetadataPath}: invalid JSON (${(e as Error).message})`);
      }
      if (!Number.isInteger(epoch) || (epoch as number) < 0) {
        throw new ValueError(`${this.trainingMetadataPath}: expected {"epoch": <non-negative integer>, ...}. Received: ${text.slice(0, 200)}`);
      }
      model.initialEpoch = epoch as number;
    }
  }

  override onEpochBegin(epoch: number): void {
    // a backup taken within this epoch resumes it (Keras only updates this at epoch ends, so a
    // resumed run's first batch backups would name epoch 0)
    this.currentEpoch = epoch;
  }

  override onEpochEnd(epoch: number, logs?: Logs): HookResult {
    void logs;
    this.currentEpoch = epoch + 1;
    this.lastBatchSeen = 0;
    if (this.saveFreq === 'epoch') return this.saveModel();
  }

  override onTrainBatchEnd(batch: number, logs?: Logs): HookResult {
    void logs;
    if (this.shouldSaveOnBatch(batch)) return this.saveModel();
  }

  /** Writes the backup: the state is copied now; the Promise settles once both files are written. */
  private async saveModel(): Promise<void> {
    if (!isChiefProcess()) return; // distribution: rank 0 writes the backup (fit broadcasts rank 0's restored state)
    const model = this.saveableModel();
    // snapshot first (synchronously), so nothing that runs while the file is written can change it
    const tree = stateTree(model, {includeOptimizer: true});
    const metadata = JSON.stringify({epoch: this.currentEpoch, batch: this.lastBatchSeen});
    mkdirSync(this.backupDir, {recursive: true});
    if (this.doubleCheckpoint && existsSync(this.weightsPath)) copyFileSync(this.weightsPath, this.prevWeightsPath);
    if (this.doubleCheckpoint && existsSync(this.trainingMetadataPath)) copyFileSync(this.trainingMetadataPath, this.prevTrainingMetadataPath);
    // each write is atomic; the metadata follows the weights, so it never names an epoch whose weights are not on disk
    await writeH5File(this.weightsPath, tree);
    writeFileAtomic(this.trainingMetadataPath, new TextEncoder().encode(metadata));
  }

  /** Counts batches (batch indices restart at 0 each epoch) and says when a backup is due. */
  private shouldSaveOnBatch(batch: number): boolean {
    if (this.saveFreq === 'epoch' || this.saveFreq === false) return false;
    const add = batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.batchesSeenSinceLastSaving += add;
    this.lastBatchSeen = batch;
    if (this.batchesSeenSinceLastSaving >= this.saveFreq) {
      this.batchesSeenSinceLastSaving = 0;
      return true;
    }
    return false;
  }

  override onTrainEnd(logs?: Logs): HookResult {
    void logs;
    if (!isChiefProcess()) return; // distribution: rank 0 owns the backup
    if (this.deleteCheckpoint && existsSync(this.backupDir)) rmSync(this.backupDir, {recursive: true, force: true});
  }
}
