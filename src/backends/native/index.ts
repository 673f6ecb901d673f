import type {Backend} from '../backend.js';

/**
 * The native CPU backend (C++ through Node-API). Returns the backend, or the reason it cannot load.
 * Not built yet: the addon arrives with the native backend issue.
 */
export function loadNativeBackend(): Backend | string {
  return 'the native addon is not part of this build yet';
}
