// keras.random as a user sees it: tensor/random.ts without the backends' fill helper
// (fillBernoulliMask), which stays internal. test/public_surface.test.ts lists this surface.
export {
  philox4x32,
  SeedGenerator,
  setRandomSeed,
  type Seed,
  type UniformArgs,
  randomUniform,
  type NormalArgs,
  randomNormal,
  truncatedNormal,
  maskKey,
  BERNOULLI_STREAM,
  bernoulliMask,
  permutation,
} from './random.js';
