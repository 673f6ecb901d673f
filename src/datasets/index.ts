// The public `keras.datasets` namespace: re-exports only. Each loader is also exported under its
// Keras module name (`fashion_mnist`, `boston_housing`, `california_housing`).
export * as mnist from './mnist.js';
export * as fashionMnist from './fashion_mnist.js';
export * as fashion_mnist from './fashion_mnist.js';
export * as imdb from './imdb.js';
export * as reuters from './reuters.js';
export * as cifar10 from './cifar10.js';
export * as cifar100 from './cifar100.js';
export * as bostonHousing from './boston_housing.js';
export * as boston_housing from './boston_housing.js';
export * as californiaHousing from './california_housing.js';
export * as california_housing from './california_housing.js';
export type {DownloadOptions, LoadResult} from './common.js';
export * as uciDigits from './uci_digits.js';
