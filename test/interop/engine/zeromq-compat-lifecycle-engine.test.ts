// zeromq-compat-lifecycle.ts against the engine (its TypeScript source, through tsx in children and workers).
import * as engine from '../../../core/index.js';
import { lifecycleSuite } from './zeromq-compat-lifecycle.js';

lifecycleSuite('engine', engine as never, {
  nodeArgs: ['--import', 'tsx'],
  specifier: new URL('../../../core/index.ts', import.meta.url).href,
  workerPrelude: `(await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();`,
});
