// The public `keras.callbacks` namespace: re-exports only.
export {};
