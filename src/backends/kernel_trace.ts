/**
 * One optional listener told of every kernel a backend runs, eagerly (`execute`) or in a compiled
 * step (`plan/`): its name, its start and end (`performance.now()` ms) and whether it ran on the
 * reference backend after the active one declined. The TensorBoard callback's `profileBatch` traces
 * through it; with no listener a kernel call pays one null check.
 */
export type KernelListener = (name: string, start: number, end: number, fellBack: boolean) => void;

export let kernelListener: KernelListener | null = null;

/** Sets the listener (null: none); returns the one it replaces. */
export function setKernelListener(listener: KernelListener | null): KernelListener | null {
  const previous = kernelListener;
  kernelListener = listener;
  return previous;
}
