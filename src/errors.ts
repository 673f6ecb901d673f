/** Errors with Keras's names, so users can catch what they know from Python. */
export class ValueError extends Error {
  override name = 'ValueError';
}
export class TypeError_ extends Error {
  override name = 'TypeError';
}
export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
}
