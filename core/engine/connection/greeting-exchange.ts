// The greeting exchange and version negotiation, as libzmq's zmtp_engine_t does it (receive_greeting,
// select_handshake_fun). Our greeting goes out in steps, each sent once the peer's bytes show what it
// can read: the signature at once, the revision byte after the peer's signature, and the rest after the
// peer's revision: the 3.x greeting's tail for a 3.x peer, a 2.0 socket-type byte for a 2.0 peer. A
// peer whose first bytes are no signature is an unversioned ZMTP 1.0 peer, and our signature, whose
// last bytes read as a 1.0 frame header, becomes the header of our identity frame.
import {
  REVISION_OFFSET,
  SIGNATURE_SIZE,
  V2_GREETING_SIZE,
  V3_GREETING_SIZE,
  socketTypeToByte,
  type SocketTypeName,
} from '../../zmtp/constants.js';
import { encodeGreetingV3, encodeSignature, parseGreeting, REVISION_3 } from '../../zmtp/greeting.js';
import type { Framing } from '../../zmtp/frame.js';

/** What the peer's greeting settled, once it is whole. `rest`: bytes read after it (framed traffic). */
export type GreetingOutcome =
  /** ZMTP 1.0 (unversioned: no signature at all) or 2.0; `revision`: the peer's revision byte (0 when none). */
  | { kind: 'legacy'; revision: number; framing: Framing; unversioned: boolean; peerType?: SocketTypeName; rest: Buffer }
  | { kind: 'v3'; version: '3.0' | '3.1'; mechanism: string; rest: Buffer }
  | { kind: 'error'; reason: string };

export class GreetingExchange {
  /** The peer's greeting bytes so far. */
  private received: Buffer = Buffer.alloc(0);
  /** How much of ours is out: 0 = the signature, 1 = the revision byte too, 2 = all of it. */
  private sentStage = 0;
  private peerRevision = -1;

  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly socketType: SocketTypeName,
    /** The mechanism our options select, announced in a 3.x greeting (asked when it is sent: options are live). */
    private readonly mechanism: () => { name: string; asServer: boolean },
    /** Our routing id's length: the signature carries it for a 1.0 peer, which reads it as a frame length. */
    identityLength: number,
  ) {
    this.send(encodeSignature(identityLength));
  }

  /** Bytes of the peer's greeting read so far (for the reason when the connection ends in it). */
  get bytesReceived(): number {
    return this.received.length;
  }

  /** Takes bytes read from the peer; undefined while its greeting is still incomplete. */
  push(chunk: Buffer): GreetingOutcome | undefined {
    const g = (this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]));
    // A first byte other than 0xFF, or a 10th byte without bit 0: an unversioned ZMTP 1.0 peer.
    if (g[0] !== 0xff || (g.length >= SIGNATURE_SIZE && (g[SIGNATURE_SIZE - 1] & 1) === 0)) {
      return this.settled({ kind: 'legacy', revision: 0, framing: 'v1', unversioned: true, rest: g });
    }
    if (g.length >= SIGNATURE_SIZE && this.sentStage === 0) {
      this.send(Buffer.from([REVISION_3]));
      this.sentStage = 1;
    }
    if (g.length > REVISION_OFFSET && this.sentStage === 1) {
      this.peerRevision = g[REVISION_OFFSET];
      if (this.peerRevision < REVISION_3) {
        // ZMTP 2.0 and 1.0-with-signature peers: the 2.0 socket-type byte, then framed identity.
        this.send(Buffer.from([socketTypeToByte(this.socketType)]));
      } else {
        // The rest of a 3.1 greeting: minor version, mechanism, as-server, filler.
        const mechanism = this.mechanism();
        this.send(encodeGreetingV3(mechanism.name, mechanism.asServer).subarray(REVISION_OFFSET + 1));
      }
      this.sentStage = 2;
    }
    if (this.peerRevision < 0) return undefined;
    const legacy = this.peerRevision < REVISION_3;
    const need = legacy ? V2_GREETING_SIZE : V3_GREETING_SIZE;
    if (g.length < need) return undefined;
    const parsed = parseGreeting(g.subarray(0, need), REVISION_3);
    if (parsed.status !== 'done') {
      return { kind: 'error', reason: `invalid greeting: ${parsed.status === 'error' ? parsed.message : 'incomplete'}` };
    }
    const rest = g.subarray(need);
    if (legacy) {
      const framing = this.peerRevision === 0 ? 'v1' : 'v2';
      return this.settled({
        kind: 'legacy',
        revision: this.peerRevision,
        framing,
        unversioned: false,
        peerType: parsed.greeting.socketType,
        rest,
      });
    }
    const peer = parsed.greeting;
    return this.settled({ kind: 'v3', version: peer.version === '3.0' ? '3.0' : '3.1', mechanism: peer.mechanism, rest });
  }

  private settled(outcome: GreetingOutcome): GreetingOutcome {
    this.received = Buffer.alloc(0);
    return outcome;
  }
}
