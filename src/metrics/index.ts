// The public `keras.metrics` namespace: re-exports only.
export {};
