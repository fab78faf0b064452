// NULL mechanism (RFC 23): each side sends READY with its metadata and waits for the peer's.
// With a ZAP domain set, libzmq 4.3 (null_mechanism.cpp) asks the ZAP handler as soon as the greeting is
// done, on whichever side has the domain, and says READY only once the handler accepts: a refusal is
// ERROR with the status code (nothing for 300), an invalid reply a protocol failure. With no handler
// bound the peer is let in, unless zapEnforceDomain is set.
import { parseCommand, readyCommand } from '../commands.js';
import type { HandshakeStep, Mechanism, MechanismOptions } from './mechanism.js';
import { errorReceived, isCommand, ownIdentity, protocolError, zapFailure } from './common.js';
import { askZap, type ZapVerdict } from './zap.js';

export interface NullOptions extends MechanismOptions {
  /** ZMQ_ZAP_ENFORCE_DOMAIN: with a domain but no handler bound, refuse instead of letting peers in. */
  zapEnforceDomain?: boolean;
}

export class NullMechanism implements Mechanism {
  readonly name = 'NULL';
  readonly encrypts = false;
  /** The ZAP handler's answer, asked for at start() when a domain is set. */
  private verdict?: Promise<ZapVerdict>;

  constructor(private readonly options: NullOptions) {}

  start(): Buffer[] {
    if (this.options.zapDomain === '') return [readyCommand(this.options.properties)];
    this.verdict = askZap(this.options.zap, {
      domain: this.options.zapDomain,
      address: this.options.peerAddress,
      identity: ownIdentity(this.options.properties),
      mechanism: 'NULL',
      credentials: [],
    });
    return [];
  }

  async onCommand(body: Buffer): Promise<HandshakeStep> {
    if (isCommand(body, 'ERROR')) return errorReceived(body, 'NULL', 'peer');
    const cmd = parseCommand(body);
    if (cmd.name !== 'READY' || !('properties' in cmd)) {
      return protocolError(`unexpected ${cmd.name || 'malformed'} command during NULL handshake`);
    }
    if (cmd.error) return protocolError(`malformed READY metadata: ${cmd.error}`);
    const peer = { peerProperties: cmd.properties, peerRaw: cmd.raw };
    if (!this.verdict) return { status: 'ready', send: [], ...peer };
    const verdict = await this.verdict;
    const ready = readyCommand(this.options.properties);
    if (verdict.outcome === 'no-handler') {
      if (this.options.zapEnforceDomain) {
        return {
          status: 'error', send: [], kind: 'no-detail',
          reason: `NULL mechanism enforces ZAP domain '${this.options.zapDomain}' but no ZAP handler is bound at inproc://zeromq.zap.01`,
        };
      }
      return { status: 'ready', send: [ready], ...peer };
    }
    if (verdict.outcome !== 'accepted') return zapFailure(verdict, 'NULL');
    return { status: 'ready', send: [ready], ...peer, userId: verdict.userId, zapMetadata: verdict.properties };
  }
}
