// DISH (draft, RFC 48): receives the messages of the groups it joined from RADIO peers. join()/leave()
// go to every peer as [\x01group] / [\x00group] pipe messages (JOIN/LEAVE commands on the wire) and are
// re-sent to each new peer; messages of other groups are dropped here too (udp:// delivers every
// group). Joining a group twice or leaving one not joined is EINVAL, like libzmq dish.cpp.
//
// A message from a pipe is [group, body]; that is also what receive() gives the public Dish class.
import type { Msg, Pipe } from '../pipe.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { SubscriberType } from './subscriber.js';

/** libzmq's ZMQ_GROUP_MAX_LENGTH. */
export const GROUP_MAX_LENGTH = 255;

export class DishType extends SubscriberType {
  readonly type = draftTypeName('DISH');
  private readonly groups = new Map<string, Buffer>();

  protected resend(pipe: Pipe): void {
    for (const g of this.groups.values()) pipe.force([joinLeave(true, g)]);
  }

  /** udp:// delivers every group, and a RADIO may not have our JOIN yet: keep only the joined groups. */
  protected matches(msg: Msg): boolean {
    return msg.length === 2 && this.groups.has(msg[0].toString('latin1'));
  }

  join(group: Buffer): void {
    checkGroup(group);
    const key = group.toString('latin1');
    if (this.groups.has(key)) throw zmqError('EINVAL', `already joined group ${JSON.stringify(group.toString())}`);
    this.groups.set(key, Buffer.from(group));
    this.dist.forceToAll([joinLeave(true, group)]);
  }

  leave(group: Buffer): void {
    checkGroup(group);
    const key = group.toString('latin1');
    if (!this.groups.delete(key)) throw zmqError('EINVAL', `not a member of group ${JSON.stringify(group.toString())}`);
    this.dist.forceToAll([joinLeave(false, group)]);
  }

  send(): boolean {
    throw zmqError('ENOTSUP', 'Dish sockets cannot send');
  }
  hasOut(): boolean {
    return false;
  }
}

function joinLeave(join: boolean, group: Buffer): Buffer {
  const m = Buffer.allocUnsafe(1 + group.length);
  m[0] = join ? 1 : 0;
  group.copy(m, 1);
  return m;
}

export function checkGroup(group: Buffer): void {
  if (group.length > GROUP_MAX_LENGTH) throw zmqError('EINVAL', `group is ${group.length} bytes; the limit is ${GROUP_MAX_LENGTH}`);
}
