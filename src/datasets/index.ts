// The public `keras.datasets` namespace: re-exports only.
export {};
