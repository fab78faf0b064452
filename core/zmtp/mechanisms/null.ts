// NULL mechanism (RFC 23): each side sends READY with its metadata and waits for the peer's.
// With a ZAP domain set, libzmq 4.3 (null_mechanism.cpp) asks the ZAP handler as soon as the greeting is
// done, on whichever side has the domain, and says READY only once the handler accepts: a refusal is
// ERROR with the status code (nothing for 300), an invalid reply a protocol failure. With no handler
// bound the peer is let in, unless zapEnforceDomain is set.
import { parseCommand, readyCommand } from '../commands.js';
import type { HandshakeStep, Mechanism, MechanismOptions } from './mechanism.js';
import { askZapFor, enforcedWithoutHandler, errorReceived, isCommand, protocolError, zapFailure } from './common.js';
import type { ZapVerdict } from './zap.js';

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
    this.verdict = askZapFor(this.options, 'NULL', []);
    return [];
  }

  async onCommand(body: Buffer): Promise<HandshakeStep> {
    if (isCommand(body, 'ERROR')) return errorReceived(body, 'NULL', 'peer');
    const cmd = parseCommand(body);
    if (cmd.name !== 'READY' || !('properties' in cmd)) {
      return protocolError(`unexpected ${cmd.name || 'malformed'} command during NULL handshake`, 'ERR_ZMTP_UNEXPECTED_COMMAND');
    }
    if (cmd.error) return protocolError(`malformed READY metadata: ${cmd.error}`, 'ERR_ZMTP_INVALID_METADATA');
    const peer = { peerProperties: cmd.properties, peerRaw: cmd.raw };
    if (!this.verdict) return { status: 'ready', send: [], ...peer };
    const verdict = await this.verdict;
    if (verdict.outcome === 'refused' || verdict.outcome === 'invalid') return zapFailure(verdict, 'NULL');
    if (verdict.outcome === 'no-handler' && this.options.zapEnforceDomain) return enforcedWithoutHandler('NULL');
    const ready = { status: 'ready' as const, send: [readyCommand(this.options.properties)], ...peer };
    return verdict.outcome === 'accepted' ? { ...ready, userId: verdict.userId, zapMetadata: verdict.properties } : ready;
  }
}
