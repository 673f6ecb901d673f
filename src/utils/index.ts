// The public `keras.utils` namespace: re-exports only.
export {};
