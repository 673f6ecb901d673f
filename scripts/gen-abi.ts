// Writes native/include/keras_abi.h from the kernel ABI table (src/backends/compiled/abi.ts).
// Usage: npm run gen:abi
import {writeFileSync} from 'node:fs';
import {abiHeader} from '../src/backends/compiled/abi_header.js';

const path = new URL('../native/include/keras_abi.h', import.meta.url);
writeFileSync(path, abiHeader());
console.log(`wrote ${path.pathname}`);
