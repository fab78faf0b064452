// zeromq-v5-compat.ts against zeromq.js's own `zeromq/v5-compat`: the reference.
import * as zeromqV5 from 'zeromq/v5-compat.js';
import { v5Suite } from './zeromq-v5-compat.js';

v5Suite('zeromq.js', zeromqV5);
