// xpub-departure.ts against zeromq.js itself: the reference the engine is held to.
import * as zeromq from 'zeromq';
import { departureSuite } from './xpub-departure.js';

departureSuite('zeromq.js', zeromq);
