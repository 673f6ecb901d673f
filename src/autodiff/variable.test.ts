/**
 * Copy-on-write ownership of a variable's value: `writableValue()` returns the current tensor only
 * when no one else can hold it, otherwise a copy that becomes the value; every accessor that hands
 * the tensor out (`value`, `read()`) or takes one in (constructor, `assign`) makes the next write copy.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tensor} from '../tensor/tensor.js';
import {Variable} from './variable.js';

const vals = (t: {values: ArrayLike<number>}) => Array.from(t.values);

test('a value given in is copied before the first in-place write; then owned until handed out', () => {
  const init = tensor([1, 2, 3]);
  const v = new Variable(init);
  assert.equal(v.unsharedValue(), null, 'the constructor argument is the caller\'s');
  const w = v.writableValue();
  assert.notEqual(w, init);
  assert.deepEqual(vals(w), [1, 2, 3]);
  w.values[0] = 9;
  assert.deepEqual(vals(init), [1, 2, 3], 'the caller\'s tensor is unchanged');
  assert.equal(v.writableValue(), w, 'owned: no second copy');
  assert.equal(v.unsharedValue(), w);
  assert.deepEqual(v.dataSync() && Array.from(v.dataSync()), [9, 2, 3]);
  assert.equal(v.unsharedValue(), w, 'dataSync copies: it hands nothing out');
});

test('value, read() and assign make the next write copy; the tensor handed out keeps its values', () => {
  for (const escape of ['value', 'read', 'assign'] as const) {
    const v = new Variable(tensor([1, 2]), {name: escape});
    const owned = v.writableValue();
    let held;
    if (escape === 'value') held = v.value;
    else if (escape === 'read') held = v.read();
    else {
      held = tensor([5, 6]);
      v.assign(held);
    }
    assert.equal(v.unsharedValue(), null, `${escape}: shared`);
    const w = v.writableValue();
    assert.notEqual(w, held, `${escape}: copied`);
    if (escape !== 'assign') assert.equal(held, owned);
    w.values[1] = 42;
    assert.deepEqual(vals(held), escape === 'assign' ? [5, 6] : [1, 2], `${escape}: the held tensor is unchanged`);
    assert.equal(v.writableValue(), w);
  }
});

test('adoptValue takes ownership of a fresh tensor; it checks shape and dtype', () => {
  const v = new Variable(tensor([[1, 2]]), {name: 'x'});
  const fresh = tensor([[3, 4]]);
  v.adoptValue(fresh);
  assert.equal(v.unsharedValue(), fresh);
  assert.equal(v.writableValue(), fresh);
  assert.throws(() => v.adoptValue(tensor([1, 2])), /Variable "x": cannot assign a value of shape \[2\] to a variable of shape \[1, 2\]/);
  assert.throws(() => v.adoptValue(tensor([[1, 2]], undefined, 'float64')), /Variable "x": cannot adopt a float64 tensor as the value of a float32 variable/);
  // assign still converts dtypes and marks the value shared
  v.assign(tensor([[7, 8]], undefined, 'int32'));
  assert.equal(v.dtype, 'float32');
  assert.equal(v.unsharedValue(), null);
});
