// One factory per socket type name, for the Socket base and the host.
import type { SocketTypeName } from '../../zmtp/constants.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { DealerType } from './dealer.js';
import { PairType } from './pair.js';
import { PullType } from './pull.js';
import { PushType } from './push.js';
import { RepType } from './rep.js';
import { ReqType } from './req.js';
import { RouterType } from './router.js';
import { StreamType } from './stream.js';
import { PubType, XPubType } from './xpub.js';
import { SubType, XSubType } from './xsub.js';

export { DealerType, PairType, PullType, PushType, RepType, ReqType, RouterType, StreamType, PubType, XPubType, SubType, XSubType };

export const SOCKET_TYPE_FACTORIES: Record<SocketTypeName, (host: SocketHost) => SocketType> = {
  PAIR: (h) => new PairType(h),
  PUB: (h) => new PubType(h),
  SUB: (h) => new SubType(h),
  REQ: (h) => new ReqType(h),
  REP: (h) => new RepType(h),
  DEALER: (h) => new DealerType(h),
  ROUTER: (h) => new RouterType(h),
  PULL: (h) => new PullType(h),
  PUSH: (h) => new PushType(h),
  XPUB: (h) => new XPubType(h),
  XSUB: (h) => new XSubType(h),
  STREAM: (h) => new StreamType(h),
};
