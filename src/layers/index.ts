// The public `keras.layers` namespace: re-exports only.
export {};
