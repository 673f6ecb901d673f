import * as hdf5 from 'jsfive';
import fs from 'node:fs';
const b = fs.readFileSync('/tmp/k3/model.weights.h5');
const f = new hdf5.File(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength), 'x');
console.log(f.keys, f.get('layers').keys, f.get('layers/conv2d/vars').attrs, f.get('optimizer/vars/0').dtype, f.get('optimizer/vars/0').shape, f.get('layers/conv2d/vars/0').dtype);
