import assert from 'node:assert/strict';
import {test} from 'node:test';
import {broadcastShapes, fmtShape, normAxis, shapesEqual, sizeOf, stridesOf} from './shape.js';
import {checkDType, dtypeOfArray, isDType, upcast} from './dtype.js';

test('sizes, strides, equality and formatting', () => {
  assert.equal(sizeOf([]), 1);
  assert.equal(sizeOf([2, 3, 4]), 24);
  assert.equal(sizeOf([2, 0]), 0);
  assert.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(stridesOf([]), []);
  assert.ok(shapesEqual([1, 2], [1, 2]));
  assert.ok(!shapesEqual([1, 2], [2, 1]));
  assert.ok(!shapesEqual([1], [1, 1]));
  assert.equal(fmtShape([null, 3]), '[null, 3]');
  assert.equal(fmtShape([]), '[]');
});

test('broadcastShapes follows NumPy', () => {
  assert.deepEqual(broadcastShapes([2, 1, 4], [3, 1]), [2, 3, 4]);
  assert.deepEqual(broadcastShapes([], [5]), [5]);
  assert.deepEqual(broadcastShapes([0], [1]), [0]);
  assert.deepEqual(broadcastShapes([1, 0], [3, 1]), [3, 0]);
  assert.equal(broadcastShapes([3], [4]), null);
  assert.equal(broadcastShapes([2, 3], [3, 3]), null);
});

test('normAxis accepts integers in [-rank, rank) only', () => {
  assert.equal(normAxis(-1, 3), 2);
  assert.equal(normAxis(0, 3), 0);
  assert.equal(normAxis(3, 3), null);
  assert.equal(normAxis(-4, 3), null);
  assert.equal(normAxis(0.5, 3), null);
  assert.equal(normAxis(NaN, 3), null);
});

test('dtype helpers: promotion order bool < int32 < float32 < float64', () => {
  assert.equal(upcast('int32', 'float32'), 'float32');
  assert.equal(upcast('bool', 'int32'), 'int32');
  assert.equal(upcast('float32', 'float64'), 'float64');
  assert.equal(upcast('bool', 'bool'), 'bool');
  assert.ok(isDType('float64') && !isDType('float16') && !isDType(3));
  assert.throws(() => checkDType('uint8', 'op'), /op: unknown dtype "uint8". Expected one of float32, float64, int32, bool/);
  assert.equal(dtypeOfArray(new Uint8Array(1)), 'int32');
  assert.equal(dtypeOfArray(new Float64Array(1)), 'float64');
  assert.equal(dtypeOfArray(new Uint32Array(1)), null);
});
