import {ValueError} from '../../errors.js';
import {getRegisteredClass, registerKerasSerializable} from '../../serialization.js';
import type {Tensor} from '../../tensor/tensor.js';
import type {LayerArgs, ShapeLike} from '../layer.js';
import {RNNCell} from './rnn_cell.js';

/**
 * Several cells as one: the output of each cell is the input of the next, in one recurrence.
 * Its states are the cells' states, concatenated in order (`[h1, c1, h2, c2]` for two LSTM cells).
 *
 * ```ts
 * const rnn = new RNN(new StackedRNNCells([new LSTMCell(16), new LSTMCell(8)]));
 * ```
 */
export class StackedRNNCells extends RNNCell {
  static override readonly className: string = 'StackedRNNCells';
  readonly cells: RNNCell[];

  constructor(cells: RNNCell[], args: LayerArgs = {}) {
    super(args);
    if (!Array.isArray(cells) || cells.length === 0 || cells.some((c) => !(c instanceof RNNCell))) {
      throw new ValueError(`${this.name}: \`cells\` must be a non-empty list of RNN cells. Received: ${String(cells)}`);
    }
    this.cells = cells;
  }

  get stateSize(): number[] {
    return this.cells.flatMap((c) => c.stateSize);
  }

  get outputSize(): number {
    return this.cells.at(-1)!.outputSize;
  }

  override build(inputShape: ShapeLike | ShapeLike[]): void {
    let shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as ShapeLike;
    for (const cell of this.cells) {
      cell.maybeBuild(shape);
      shape = [shape[0] ?? null, cell.outputSize];
    }
    this.built = true;
  }

  step(inputs: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]] {
    let x = inputs;
    let at = 0;
    const next: Tensor[] = [];
    for (const cell of this.cells) {
      const n = cell.stateSize.length;
      const [out, s] = cell.step(x, states.slice(at, at + n), training);
      next.push(...s);
      at += n;
      x = out;
    }
    return [x, next];
  }

  override resetDropoutMasks(): void {
    for (const c of this.cells) c.resetDropoutMasks();
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), cells: this.cells.map((c) => ({className: c.className, config: c.getConfig()}))};
  }

  static override fromConfig(config: Record<string, unknown>): StackedRNNCells {
    const {cells, ...rest} = config as {cells: {className: string; config: Record<string, unknown>}[]};
    return new StackedRNNCells(cells.map(deserializeCell), rest);
  }
}

/** A cell from its `{className, config}`. */
export function deserializeCell(spec: {className: string; config: Record<string, unknown>}): RNNCell {
  const cls = getRegisteredClass(spec.className);
  const cell = cls?.fromConfig(spec.config);
  if (!(cell instanceof RNNCell)) throw new ValueError(`Unknown RNN cell class ${JSON.stringify(spec.className)}: it is not registered as an RNN cell`);
  return cell;
}

registerKerasSerializable(StackedRNNCells, {pkg: 'keras'});
