/**
 * The public surface: every name of `keras-ts` and of each namespace in it, against the committed
 * list test/fixtures/public_surface.json. A change to the surface is a decision: after adding or
 * removing an export, regenerate the list with `node scripts/public_surface.mjs --write` and commit it.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, test} from 'node:test';
import * as keras from '../src/index.js';
// @ts-expect-error: a plain .mjs script, no declarations
import {diffSurfaces, surfaceOf} from '../scripts/public_surface.mjs';

after(() => keras.saving.shutdownH5());

const LIST = join(import.meta.dirname, 'fixtures', 'public_surface.json');

test('the public surface is the committed list (node scripts/public_surface.mjs --write regenerates it)', () => {
  const lines: string[] = diffSurfaces(surfaceOf(keras), JSON.parse(readFileSync(LIST, 'utf8')));
  assert.deepEqual(lines, [], `the public surface changed (+ new, - gone):\n${lines.join('\n')}\nIf intended: node scripts/public_surface.mjs --write`);
});

test('validation helpers stay internal', () => {
  const ops = keras.ops as Record<string, unknown>;
  for (const n of ['toFloat', 'toTensor', 'toIndices', 'stackTime', 'unstackTime', 'binaryOperands', 'checkAxis', 'checkAxes']) {
    assert.equal(ops[n], undefined, `keras.ops.${n} is internal`);
  }
  assert.equal((keras.random as Record<string, unknown>)['fillBernoulliMask'], undefined, 'keras.random.fillBernoulliMask is internal');
});
