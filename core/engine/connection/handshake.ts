// The security handshake of a ZMTP 3.x connection (libzmq's stream_engine_base_t next_handshake_command,
// process_handshake_command, zap_msg_available, mechanism_ready): command frames go to the mechanism
// (NULL, PLAIN, CURVE) one at a time, its replies go out, and a step that asks the ZAP handler makes the
// connection read nothing more until the answer. Frames that arrive meanwhile (a peer may finish its
// side and send traffic in the same read) are kept in order and handed back once the handshake is done.
import { socketTypesCompatible, type SocketTypeName } from '../../zmtp/constants.js';
import { getProperty, type Properties } from '../../zmtp/metadata.js';
import type { HandshakeStep, Mechanism } from '../../zmtp/mechanisms/mechanism.js';
import { CloseCause, type EndDetail } from './close-cause.js';

/** A mechanism's failure kinds as causes ('no-detail': refused without a word, e.g. no ZAP handler). */
const MECHANISM_FAILURE = { protocol: CloseCause.Protocol, auth: CloseCause.Auth, 'no-detail': CloseCause.Refused } as const;

/** A frame as read: MORE flag, COMMAND flag, body. */
export type ReadFrame = [more: boolean, command: boolean, body: Buffer];

/** What the handshake learnt about the peer. */
export interface HandshakePeer {
  socketType: string;
  properties: Properties;
  /** The Identity property (empty when none). */
  identity: Buffer;
  userId?: string;
  zapMetadata?: Properties;
}

/** What the handshake needs from its connection. */
export interface HandshakeOwner {
  readonly socketType: SocketTypeName;
  /** Still handshaking: neither closed nor done (a ZAP answer may come after either). */
  readonly handshaking: boolean;
  sendCommand(body: Buffer): void;
  fail(cause: CloseCause, reason: string, detail?: EndDetail): void;
  /** The ZAP handler is asked: decode nothing after this frame until the answer. */
  holdInput(): void;
  /** The mechanism is done and the peer's metadata fits this socket. */
  handshakeDone(peer: HandshakePeer): void;
  /** The handshake has no step in progress any more; `behind`: frames read after its last command. */
  handshakeIdle(behind: ReadFrame[]): void;
}

export class MechanismHandshake {
  /** Frames received while a step was in progress, in arrival order. */
  private queue: ReadFrame[] = [];
  /** A step is in progress, across an asynchronous ZAP wait too. */
  busy = false;

  constructor(
    private readonly owner: HandshakeOwner,
    readonly mechanism: Mechanism,
    private readonly asServer: boolean,
  ) {}

  /** Sends the mechanism's first commands; false when it could not start (the connection is closed then). */
  start(): boolean {
    let first: Buffer[];
    try {
      first = this.mechanism.start();
    } catch (e) {
      this.owner.fail(CloseCause.Refused, `security mechanism failed to start: ${(e as Error).message}`);
      return false;
    }
    for (const c of first) this.owner.sendCommand(c);
    return true;
  }

  /** A frame read during the handshake. */
  onFrame(more: boolean, command: boolean, body: Buffer): void {
    // While a ZAP step is pending, the peer may already have finished its side and sent traffic (e.g.
    // READY + SUBSCRIBE in one chunk): keep everything, in order, for later.
    if (!command && !this.busy) {
      this.owner.fail(CloseCause.Protocol, 'message frame received before the security handshake finished', {
        protocolCode: 'ERR_ZMTP_UNEXPECTED_COMMAND',
      });
      return;
    }
    this.queue.push([more, command, body]);
    if (!this.busy) this.run();
  }

  private run(): void {
    this.busy = true;
    while (this.queue.length && this.owner.handshaking) {
      const [, command, body] = this.queue.shift()!;
      if (!command) {
        this.owner.fail(CloseCause.Protocol, 'message frame received before the security handshake finished', {
          protocolCode: 'ERR_ZMTP_UNEXPECTED_COMMAND',
        });
        return;
      }
      let step: HandshakeStep | Promise<HandshakeStep>;
      try {
        step = this.mechanism.onCommand(body);
      } catch (e) {
        this.owner.fail(CloseCause.Protocol, `handshake failed: ${(e as Error).message}`);
        return;
      }
      if (step instanceof Promise) {
        // The ZAP handler is asked: decode nothing more until it answers.
        this.owner.holdInput();
        step.then(
          (s) => {
            this.apply(s);
            this.run();
          },
          (e: Error) => this.owner.fail(CloseCause.Refused, `handshake failed: ${e.message}`),
        );
        return;
      }
      this.apply(step);
    }
    this.busy = false;
    const behind = this.queue;
    this.queue = [];
    this.owner.handshakeIdle(behind);
  }

  private apply(step: HandshakeStep): void {
    if (!this.owner.handshaking) return;
    for (const c of step.send) this.owner.sendCommand(c);
    if (step.status === 'continue') return;
    if (step.status === 'error') {
      this.owner.fail(MECHANISM_FAILURE[step.kind], step.reason, {
        zapStatus: step.zapStatus,
        protocolCode: step.protocolCode,
        refusedPeer: step.kind === 'auth' && this.asServer,
      });
      return;
    }
    // Of libzmq's mechanisms only the PLAIN and CURVE clients report bad metadata in an event.
    const metadataError: EndDetail = {
      protocolCode: 'ERR_ZMTP_INVALID_METADATA',
      unsignalled: this.asServer || this.mechanism.name === 'NULL',
    };
    const props = step.peerProperties;
    const peerType = getProperty(props, 'Socket-Type');
    if (!peerType) {
      this.owner.fail(CloseCause.Protocol, 'peer metadata has no Socket-Type', metadataError);
      return;
    }
    if (!socketTypesCompatible(this.owner.socketType, peerType)) {
      this.owner.fail(CloseCause.Protocol, `peer socket type ${peerType} cannot talk to ${this.owner.socketType}`, metadataError);
      return;
    }
    let identity: Buffer | undefined;
    for (const k of Object.keys(step.peerRaw)) if (k.toLowerCase() === 'identity') identity = step.peerRaw[k];
    this.owner.handshakeDone({
      socketType: peerType,
      properties: props,
      identity: identity ? Buffer.from(identity) : Buffer.alloc(0),
      userId: step.userId,
      zapMetadata: step.zapMetadata,
    });
  }
}
