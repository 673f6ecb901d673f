// The public `keras.models` namespace: re-exports only.
export {};
