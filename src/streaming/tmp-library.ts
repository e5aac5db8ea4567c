import { createRequire } from 'node:module';
import type TmpLibrary from 'tmp';

/**
 * `tmp`, loaded as the CommonJS module it is. Through `import`, Node first scans its 50 KB source for
 * named exports (cjs-module-lexer) in each thread that loads it; on Node 22 that scan runs long enough for
 * TurboFan to compile the scanner, whose compilation leaves a few MiB of freed zone memory in a malloc
 * arena that glibc keeps, and touches some 5 MiB of the node binary's code.
 */
export const tmp = createRequire(import.meta.url)('tmp') as typeof TmpLibrary;
