/** `node:http` in the bundles, loaded on first use (see lazy-builtin.ts): the names the bundled code imports. */
import { lazyExport, lazyModule } from './lazy-builtin.js';

export default lazyModule('node:http');
export const STATUS_CODES = lazyExport('node:http', 'STATUS_CODES');
