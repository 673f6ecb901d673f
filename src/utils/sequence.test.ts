import assert from 'node:assert/strict';
import {test} from 'node:test';
import {padSequences} from './sequence.js';

// expected values from the examples in Keras's `pad_sequences` docstring
test('padSequences: Keras defaults pad and truncate at the front', () => {
  const s = [[1], [2, 3], [4, 5, 6]];
  const y = padSequences(s);
  assert.equal(y.dtype, 'int32');
  assert.deepEqual(y.arraySync(), [[0, 0, 1], [0, 2, 3], [4, 5, 6]]);
  assert.deepEqual(padSequences(s, {value: -1}).arraySync(), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(padSequences(s, {padding: 'post'}).arraySync(), [[1, 0, 0], [2, 3, 0], [4, 5, 6]]);
  assert.deepEqual(padSequences(s, {maxlen: 2}).arraySync(), [[0, 1], [2, 3], [5, 6]]);
  assert.deepEqual(padSequences(s, {maxlen: 2, truncating: 'post'}).arraySync(), [[0, 1], [2, 3], [4, 5]]);
});

test('padSequences: dtype, empty sequences, vector samples, errors', () => {
  const f = padSequences([[1.5, 2.5], []], {dtype: 'float32', maxlen: 3, padding: 'post', value: 0.5});
  assert.equal(f.dtype, 'float32');
  assert.deepEqual(f.arraySync(), [[1.5, 2.5, 0.5], [0.5, 0.5, 0.5]]);
  assert.deepEqual(padSequences([[1.9, -1.9]]).arraySync(), [[1, -1]], 'int32 truncates toward zero, as NumPy');
  assert.deepEqual(padSequences([Int32Array.from([7, 8])], {maxlen: 3}).arraySync(), [[0, 7, 8]]);
  const v = padSequences([[[1, 2]], [[3, 4], [5, 6]]]);
  assert.deepEqual(v.shape, [2, 2, 2]);
  assert.deepEqual(v.arraySync(), [[[0, 0], [1, 2]], [[3, 4], [5, 6]]]);
  assert.deepEqual(padSequences([]).shape, [0, 0]);
  assert.throws(() => padSequences([[1]], {padding: 'middle' as never}), /padding type "middle" not understood/);
  assert.throws(() => padSequences([[[1, 2]], [[3]]]), /shape of sample \[1\] of sequence at position 1 is different from expected shape \[2\]/);
});
