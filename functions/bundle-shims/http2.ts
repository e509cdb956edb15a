/** `node:http2` in the bundles, loaded on first use (see lazy-builtin.ts). */
import { lazyModule } from './lazy-builtin.js';

export default lazyModule('node:http2');
