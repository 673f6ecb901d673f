export function cloneModel(){}; export type CloneModelArgs = {};
