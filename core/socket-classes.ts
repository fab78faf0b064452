// Each socket type's class, found by its class name in core/engine/socket-type-table.ts: the host and the
// CLI make their sockets through here, so a type declared in the table is one they can make (the type
// below fails to compile if a declared class name is not exported).
import * as engine from './internal.js';
import { SOCKET_TYPE_TABLE, type SocketTypeName } from './engine/socket-type-table.js';

export type SocketClassOf<T extends SocketTypeName> = (typeof engine)[(typeof SOCKET_TYPE_TABLE)[T]['className']];

export function socketClass<T extends SocketTypeName>(type: T): SocketClassOf<T> {
  return engine[SOCKET_TYPE_TABLE[type].className] as SocketClassOf<T>;
}
