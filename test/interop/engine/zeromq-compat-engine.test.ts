// zeromq-compat.ts against the engine, with the same code as zeromq-compat-zeromq.test.ts.
import * as engine from '../../../core/index.js';
import { optionSuite } from './option-compat.js';
import { compatSuite, type Zmq, type ZmqDraft } from './zeromq-compat.js';

compatSuite('engine', engine as unknown as Zmq, engine as unknown as ZmqDraft);
optionSuite('engine', engine as unknown as Zmq, engine as unknown as ZmqDraft);
