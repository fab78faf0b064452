// zeromq-v5-compat.ts against the engine's `v5-compat` entry (core/v5-compat.ts), same code as the zeromq.js run.
import * as engineV5 from '../../../core/v5-compat.js';
import { v5Suite, type V5 } from './zeromq-v5-compat.js';

v5Suite('engine', engineV5 as unknown as V5);
