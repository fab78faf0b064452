// Socket types by libzmq's number (socket-type-table.ts), for zeromq.js's generic `new Socket(type,
// options)` and the classes built on it.
import type { SocketTypeName } from '../../zmtp/constants.js';
import { SOCKET_TYPE_NAMES, SOCKET_TYPE_TABLE } from '../socket-type-table.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { ChannelType } from './channel.js';
import { ClientType } from './client.js';
import { DgramType } from './dgram.js';
import { DishType } from './dish.js';
import { draftTypeName, type DraftSocketTypeName } from './draft-name.js';
import { GatherType } from './gather.js';
import { SOCKET_TYPE_FACTORIES } from './index.js';
import { PeerType } from './peer.js';
import { RadioType } from './radio.js';
import { ScatterType } from './scatter.js';
import { ServerType } from './server.js';

export interface SocketTypeEntry {
  /** The name in READY's Socket-Type (draft names pass where a SocketTypeName is expected). */
  name: SocketTypeName;
  create: (host: SocketHost) => SocketType;
}

const DRAFT_FACTORIES: Record<DraftSocketTypeName, (host: SocketHost) => SocketType> = {
  SERVER: (h) => new ServerType(h),
  CLIENT: (h) => new ClientType(h),
  RADIO: (h) => new RadioType(h),
  DISH: (h) => new DishType(h),
  GATHER: (h) => new GatherType(h),
  SCATTER: (h) => new ScatterType(h),
  DGRAM: (h) => new DgramType(h),
  PEER: (h) => new PeerType(h),
  CHANNEL: (h) => new ChannelType(h),
};

const BY_NUMBER = new Map<number, SocketTypeEntry>();
for (const name of SOCKET_TYPE_NAMES) {
  const draft = name in DRAFT_FACTORIES;
  const create = draft ? DRAFT_FACTORIES[name as DraftSocketTypeName] : SOCKET_TYPE_FACTORIES[name as SocketTypeName];
  BY_NUMBER.set(SOCKET_TYPE_TABLE[name].number, {
    name: draft ? draftTypeName(name as DraftSocketTypeName) : (name as SocketTypeName),
    create,
  });
}

/** The socket type with libzmq number `n`, or undefined (zmq_socket's EINVAL). */
export function socketTypeByNumber(n: number): SocketTypeEntry | undefined {
  return BY_NUMBER.get(n);
}
