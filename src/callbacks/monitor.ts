import {ValueError} from '../errors.js';
import {Callback} from './callback.js';

/** The shared logic of callbacks that watch one metric (Keras's `MonitorCallback`). */
export class MonitorCallback extends Callback {
  monitor: string;
  mode: 'auto' | 'min' | 'max';
  best: number | null;
  minDelta: number;
  monitorOp: ((a: number, b: number) => boolean) | null = null;

  constructor(monitor = 'val_loss', mode: string = 'auto', baseline: number | null = null, minDelta = 0) {
    super();
    if (!['auto', 'min', 'max'].includes(mode)) {
      console.warn(`${this.constructor.name} mode '${mode}' is unknown, fallback to auto mode.`);
      mode = 'auto';
    }
    this.monitor = monitor;
    this.mode = mode as MonitorCallback['mode'];
    this.best = baseline;
    this.minDelta = Math.abs(minDelta);
  }

  protected setMonitorOp(): void {
    const less = (a: number, b: number) => a < b;
    const greater = (a: number, b: number) => a > b;
    if (this.mode === 'min') this.monitorOp = less;
    else if (this.mode === 'max') this.monitorOp = greater;
    else {
      const name = this.monitor.startsWith('val_') ? this.monitor.slice(4) : this.monitor;
      if (name === 'loss') this.monitorOp = less;
      for (const m of this.model?.metrics ?? []) {
        // compile's metrics container holds the user's metrics: look at those
        const subs: {name: string; direction: string | null}[] = 'metrics' in m && Array.isArray(m.metrics) ? m.metrics : [m];
        for (const s of subs) {
          if (s.name === name && s.direction) this.monitorOp = s.direction === 'up' ? greater : less;
        }
      }
      if (!this.monitorOp) {
        throw new ValueError(
          `${this.constructor.name} callback received monitor=${this.monitor}, but Keras isn't able to automatically determine ` +
            "whether that metric should be maximized or minimized. Pass `mode='max'` in order to monitor based on the highest " +
            "metric value, or pass `mode='min'` in order to use the lowest value.",
        );
      }
    }
    if (this.monitorOp === less) this.minDelta *= -1;
  }

  protected isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.monitorOp!(value - this.minDelta, reference);
  }
}
