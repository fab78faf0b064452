// PAIR: exactly one peer (RFC 31, libzmq pair.cpp). A second peer is refused: its pipe is closed.
import { ExclusivePipeType } from './exclusive.js';

export class PairType extends ExclusivePipeType {
  readonly type = 'PAIR' as const;
}
