/**
 * The native thread pool (native/src/threadpool.cpp): the default thread count, and kernels that
 * split their work over the pool's threads giving the same bits as one thread.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {nativeForTests} from '../../testing/kernel_test.js';

const {native, skip: noNative} = nativeForTests('thread pool tests');
const skip = noNative || (native!.name !== 'native' && `the default thread count of ${native!.name} is set by its workers`);

test('setNumThreads(0) goes back to the default, KERAS_NUM_THREADS read anew', {skip}, () => {
  const before = native!.getNumThreads();
  const env = process.env['KERAS_NUM_THREADS'];
  try {
    for (const n of [3, 1, 2]) {
      process.env['KERAS_NUM_THREADS'] = String(n);
      native!.setNumThreads(0);
      assert.equal(native!.getNumThreads(), n);
      native!.setNumThreads(5);
      assert.equal(native!.getNumThreads(), 5);
      native!.setNumThreads(0);
      assert.equal(native!.getNumThreads(), n);
    }
  } finally {
    if (env === undefined) delete process.env['KERAS_NUM_THREADS'];
    else process.env['KERAS_NUM_THREADS'] = env;
    native!.setNumThreads(0);
    native!.setNumThreads(before);
  }
});
