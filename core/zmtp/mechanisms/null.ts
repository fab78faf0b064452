// NULL mechanism (RFC 23): each side sends READY with its metadata and waits for the peer's.
// With a ZAP domain set and a handler bound, a server asks the handler first, as libzmq 4.3 does.
import { errorCommand, parseCommand, readyCommand } from '../commands.js';
import type { HandshakeStep, Mechanism, MechanismOptions } from './mechanism.js';
import { decodeMetadata } from '../metadata.js';

export class NullMechanism implements Mechanism {
  readonly name = 'NULL';
  readonly encrypts = false;
  private readySent = false;

  constructor(private readonly options: MechanismOptions) {}

  start(): Buffer[] {
    // A server with a ZAP domain waits for the handler's verdict before it says READY.
    if (this.options.asServer && this.options.zap && this.options.zapDomain) return [];
    this.readySent = true;
    return [readyCommand(this.options.properties)];
  }

  async onCommand(body: Buffer): Promise<HandshakeStep> {
    const cmd = parseCommand(body);
    if (cmd.name === 'ERROR' && 'reason' in cmd) {
      return { status: 'error', send: [], reason: `peer sent ERROR: ${cmd.reason}`, kind: 'auth' };
    }
    if (cmd.name !== 'READY' || !('properties' in cmd)) {
      return { status: 'error', send: [], reason: `unexpected ${cmd.name || 'malformed'} command during NULL handshake`, kind: 'protocol' };
    }
    if (cmd.error) return { status: 'error', send: [], reason: `malformed READY metadata: ${cmd.error}`, kind: 'protocol' };
    const send: Buffer[] = [];
    let userId: string | undefined;
    let zapMetadata: Record<string, string> | undefined;
    if (!this.readySent) {
      const identity = cmd.raw['Identity'] ?? Buffer.alloc(0);
      const reply = await this.options.zap!({
        domain: this.options.zapDomain,
        address: this.options.peerAddress,
        identity,
        mechanism: 'NULL',
        credentials: [],
      });
      if (reply && reply.statusCode !== '200') {
        return {
          status: 'error', send: [errorCommand(reply.statusText || `ZAP status ${reply.statusCode}`)],
          reason: `ZAP handler refused: ${reply.statusCode} ${reply.statusText}`, kind: 'auth', zapStatus: Number(reply.statusCode),
        };
      }
      userId = reply?.userId;
      if (reply && reply.metadata.length > 0) zapMetadata = decodeMetadata(reply.metadata).properties;
      send.push(readyCommand(this.options.properties));
      this.readySent = true;
    }
    return { status: 'ready', send, peerProperties: cmd.properties, peerRaw: cmd.raw, userId, zapMetadata };
  }
}
