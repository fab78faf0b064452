// zeromq-compat.ts against the engine's public entries (core/index.ts as `zeromq`, core/draft.ts as
// `zeromq/draft`), with the same code as zeromq-compat-zeromq.test.ts.
import * as engine from '../../../core/index.js';
import { numberedOptionSuite, optionSuite } from './option-compat.js';
import * as engineDraft from '../../../core/draft.js';
import { compatSuite, type Zmq, type ZmqDraft } from './zeromq-compat.js';
import { handshakeSuite } from './zeromq-compat-handshake.js';

compatSuite('engine', engine as unknown as Zmq, engineDraft as unknown as ZmqDraft);
optionSuite('engine', engine as unknown as Zmq, engineDraft as unknown as ZmqDraft);
handshakeSuite('engine', engine as unknown as Zmq, engineDraft as unknown as ZmqDraft);
numberedOptionSuite('engine', engine as unknown as Zmq);
