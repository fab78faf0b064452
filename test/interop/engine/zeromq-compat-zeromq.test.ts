// zeromq-compat.ts against zeromq.js itself: the reference the engine is held to.
import * as zeromq from 'zeromq';
import * as zeromqDraft from 'zeromq/draft.js';
import { numberedOptionSuite, optionSuite } from './option-compat.js';
import { compatSuite } from './zeromq-compat.js';
import { handshakeSuite } from './zeromq-compat-handshake.js';

compatSuite('zeromq.js', zeromq, zeromqDraft);
optionSuite('zeromq.js', zeromq, zeromqDraft);
handshakeSuite('zeromq.js', zeromq, zeromqDraft);
numberedOptionSuite('zeromq.js', zeromq);
