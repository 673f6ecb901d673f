// The public `keras.optimizers` namespace: re-exports only.
export {};
