// The public `keras.callbacks` namespace: re-exports only.
export {Callback, isThenable, type CallbackModel, type CallbackParams, type HookResult, type Logs} from './callback.js';
export {CallbackList} from './callback_list.js';
export {History} from './history.js';
export {ProgbarLogger} from './progbar_logger.js';
export {MonitorCallback} from './monitor.js';
export {EarlyStopping, type EarlyStoppingArgs} from './early_stopping.js';
export {ReduceLROnPlateau, type ReduceLROnPlateauArgs} from './reduce_lr_on_plateau.js';
export {LearningRateScheduler} from './learning_rate_scheduler.js';
export {CSVLogger} from './csv_logger.js';
export {TerminateOnNaN} from './terminate_on_nan.js';
export {LambdaCallback, type LambdaCallbackArgs} from './lambda_callback.js';
export {ModelCheckpoint, formatFilepath, type ModelCheckpointArgs} from './model_checkpoint.js';
export {BackupAndRestore, type BackupAndRestoreArgs} from './backup_and_restore.js';
export {TensorBoard, type TensorBoardArgs} from './tensorboard.js';
