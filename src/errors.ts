/**
 * Errors with Keras's names, so users can catch what they know from Python. Python's `TypeError` is
 * JavaScript's own `TypeError`, thrown as it is.
 */
export class ValueError extends Error {
  override name = 'ValueError';
}
export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
}
