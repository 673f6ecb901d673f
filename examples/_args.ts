import {mkdirSync} from 'node:fs';

/**
 * Command-line switches shared by the examples: `--dataset`, `--epochs`, `--limit` (first N train and
 * N test samples), `--tensorboard DIR` (TensorBoard logs there), `--plot DIR` (model diagram and
 * history chart there, as .svg and .png).
 */
export function parseArgs(defaults: {dataset: string; epochs: number}) {
  const argv = process.argv.slice(2);
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dataset = get('dataset') ?? defaults.dataset;
  const epochs = Number(get('epochs') ?? defaults.epochs);
  const limit = get('limit') === undefined ? Infinity : Number(get('limit'));
  if (!['mnist', 'fashion_mnist'].includes(dataset) && defaults.dataset !== 'imdb') {
    throw new Error(`--dataset must be mnist or fashion_mnist. Received: ${dataset}`);
  }
  if (!(epochs > 0) || !(limit > 0)) throw new Error('--epochs and --limit must be positive numbers');
  const tensorboard = get('tensorboard');
  const plot = get('plot');
  if (argv.includes('--tensorboard') && !tensorboard) throw new Error('--tensorboard needs a folder: --tensorboard logs');
  if (argv.includes('--plot') && !plot) throw new Error('--plot needs a folder: --plot plots');
  if (plot) mkdirSync(plot, {recursive: true});
  return {dataset, epochs, limit, tensorboard, plot};
}
