// zeromq-compat-lifecycle.ts against zeromq.js itself: the reference the engine is held to.
import * as zeromq from 'zeromq';
import { lifecycleSuite } from './zeromq-compat-lifecycle.js';

lifecycleSuite('zeromq.js', zeromq, { nodeArgs: [], specifier: import.meta.resolve('zeromq') });
