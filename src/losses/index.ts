// The public `keras.losses` namespace: re-exports only.
export {};
