// CHANNEL (draft, libzmq channel.cpp): PAIR's one exclusive peer, single-part messages only (a multipart
// send is EINVAL, multipart input is dropped). CHANNEL talks to CHANNEL only.
import type { Msg } from '../pipe.js';
import { draftTypeName } from './draft-name.js';
import { ExclusivePipeType } from './exclusive.js';
import { requireSinglePart, singlePart } from './single-part.js';

export class ChannelType extends ExclusivePipeType {
  readonly type = draftTypeName('CHANNEL');

  override send(msg: Msg): boolean {
    requireSinglePart(msg, 'CHANNEL');
    return super.send(msg);
  }
  override receive(): Msg | undefined {
    const pipe = this.pipe;
    return pipe ? singlePart(() => pipe.read()) : undefined;
  }
}
