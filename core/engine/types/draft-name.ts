// Draft socket types (SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER) go through the same Socket, Session
// and Connection code as the standard ones; those only use the name (READY's Socket-Type, the peer
// compatibility table in zmtp/constants.ts), except the ZMTP 2.0 greeting byte, which draft types do not
// have (libzmq speaks them over ZMTP 3.x only). So a draft name is passed where a SocketTypeName is expected.
import type { DRAFT_SOCKET_TYPES, SocketTypeName } from '../../zmtp/constants.js';

export type DraftSocketTypeName = (typeof DRAFT_SOCKET_TYPES)[number];

export function draftTypeName(name: DraftSocketTypeName): SocketTypeName {
  return name as unknown as SocketTypeName;
}
