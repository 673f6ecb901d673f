import {test} from 'node:test';
import {setBackend} from '../backends/registry.js';
import * as ops from '../ops/index.js';
import {checkGradients, randn64} from '../testing/gradcheck.js';

// one suite, run per backend: `KERAS_BACKEND=native npm test` (float64 cases run on reference)
setBackend(process.env['KERAS_BACKEND'] ?? 'reference');

test('matmul gradients with vector operands (NumPy 1-D semantics)', () => {
  checkGradients((a, b) => ops.matmul(a!, b!), [randn64([4], 1), randn64([4, 3], 2)], {label: 'vec x mat'});
  checkGradients((a, b) => ops.matmul(a!, b!), [randn64([3, 4], 3), randn64([4], 4)], {label: 'mat x vec'});
  checkGradients((a, b) => ops.matmul(a!, b!), [randn64([4], 5), randn64([4], 6)], {label: 'vec x vec'});
  checkGradients((a, b) => ops.matmul(a!, b!), [randn64([2, 3, 4], 7), randn64([4], 8)], {label: 'batch x vec'});
});

test('matmul gradients with broadcast batch dimensions on both sides', () => {
  checkGradients((a, b) => ops.matmul(a!, b!), [randn64([2, 1, 3, 4], 9), randn64([3, 4, 2], 10)], {label: 'batch broadcast'});
  checkGradients((a, b) => ops.matmul(a!, b!, {transposeA: true}), [randn64([1, 4, 3], 11), randn64([2, 4, 2], 12)], {label: 'batch broadcast tA'});
});
