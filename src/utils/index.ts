// The public `keras.utils` namespace: re-exports only.

// keras.utils: files and data (datasets helper)
export {getFile, hashFile, validateFile, extractArchive} from './get_file.js';
export type {GetFileOptions, HashAlgorithm} from './get_file.js';
export {toCategorical, normalize} from './numerical_utils.js';
export {splitDataset} from './dataset_utils.js';
export type {SplitDatasetOptions} from './dataset_utils.js';
export {padSequences} from './sequence.js';
export type {PadSequencesOptions} from './sequence.js';
export {Progbar, supportsUnicode, type ProgbarArgs} from './progbar.js';
export {printSummary, summaryLines, readableMemorySize, countParams, weightMemorySize, type SummaryArgs} from './summary.js';
export {setRandomSeed} from '../tensor/random.js';
export {modelToDot, plotModel, type ModelToDotOptions, type PlotModelOptions} from './model_visualization.js';
export {plotHistory, historyChartSpec, historyChartSvg, historyMetrics, type HistoryChartOptions, type PlotHistoryOptions, type HistoryLike, type VegaLiteSpec} from './history_plot.js';
export {PyDataset, type PyDatasetArgs} from './py_dataset.js';
export {unpackXYSampleWeight} from '../trainers/data_adapter.js';
export {imageDatasetFromDirectory, ImageDataset, type ImageDatasetOptions} from './image_dataset.js';
export {textDatasetFromDirectory, TextDataset, type TextDatasetOptions, type TextBatch} from './text_dataset.js';
export {loadImg, imgToArray} from './image_utils.js';
export {timeseriesDatasetFromArray, TimeseriesDataset, type TimeseriesOptions} from './timeseries_dataset.js';
