// PLAIN mechanism (RFC 24): the client sends HELLO with a username and password in clear, the server
// answers WELCOME, the client sends INITIATE with its metadata and the server READY with its own.
// As in libzmq 4.3 the server always asks the ZAP handler; with no handler bound the handshake fails
// (libzmq reports it as handshake-failed-no-detail, EFAULT). A refusal goes out as libzmq's PLAIN ERROR
// bytes (see LIBZMQ_PLAIN_ERROR_PREFIX in common.ts).
import { decodeMetadata, encodeMetadata } from '../metadata.js';
import { encodeCommand, readyCommand } from '../commands.js';
import type { HandshakeStep, Mechanism, MechanismOptions } from './mechanism.js';
import type { ProtocolErrorCode } from './protocol-errors.js';
import {
  commandName,
  errorReceived,
  isCommand,
  isLibzmqPlainError,
  libzmqPlainErrorCommand,
  askZapFor,
  protocolError,
  zapFailure,
} from './common.js';

export interface PlainClientOptions extends MechanismOptions {
  username: string;
  password: string;
}

/** Encodes a PLAIN HELLO body; throws RangeError when a credential is longer than 255 bytes. */
export function plainHello(username: string | Uint8Array, password: string | Uint8Array): Buffer {
  const user = typeof username === 'string' ? Buffer.from(username, 'utf8') : Buffer.from(username);
  const pass = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
  if (user.length > 255) throw new RangeError(`PLAIN username is ${user.length} bytes, at most 255 allowed`);
  if (pass.length > 255) throw new RangeError(`PLAIN password is ${pass.length} bytes, at most 255 allowed`);
  return encodeCommand('HELLO', Buffer.concat([Buffer.from([user.length]), user, Buffer.from([pass.length]), pass]));
}

/** Reads a PLAIN HELLO body (command name included). */
export function parsePlainHello(body: Buffer): { username: Buffer; password: Buffer } | { error: string } {
  if (!isCommand(body, 'HELLO')) return { error: `expected HELLO, got ${commandName(body)}` };
  let pos = 6;
  if (pos >= body.length) return { error: 'PLAIN HELLO has no username length' };
  const userLength = body[pos++];
  if (pos + userLength > body.length) return { error: `PLAIN HELLO username claims ${userLength} bytes, only ${body.length - pos} left` };
  const username = body.subarray(pos, pos + userLength);
  pos += userLength;
  if (pos >= body.length) return { error: 'PLAIN HELLO has no password length' };
  const passLength = body[pos++];
  if (pos + passLength !== body.length) {
    return pos + passLength > body.length
      ? { error: `PLAIN HELLO password claims ${passLength} bytes, only ${body.length - pos} left` }
      : { error: `PLAIN HELLO has ${body.length - pos - passLength} extra bytes after the password` };
  }
  return { username, password: body.subarray(pos, pos + passLength) };
}

export class PlainClient implements Mechanism {
  readonly name = 'PLAIN';
  readonly encrypts = false;
  private state: 'start' | 'waiting-welcome' | 'waiting-ready' | 'done' = 'start';
  private readonly hello: Buffer;

  constructor(private readonly options: PlainClientOptions) {
    this.hello = plainHello(options.username, options.password);
  }

  start(): Buffer[] {
    this.state = 'waiting-welcome';
    return [this.hello];
  }

  onCommand(body: Buffer): HandshakeStep {
    if ((isCommand(body, 'ERROR') || isLibzmqPlainError(body)) && (this.state === 'waiting-welcome' || this.state === 'waiting-ready')) {
      this.state = 'done';
      return errorReceived(body, 'PLAIN');
    }
    if (this.state === 'waiting-welcome' && isCommand(body, 'WELCOME')) {
      if (body.length !== 8)
        return this.fail(
          `malformed PLAIN WELCOME: ${body.length - 8} unexpected bytes after the name`,
          'ERR_ZMTP_MALFORMED_COMMAND_WELCOME',
        );
      this.state = 'waiting-ready';
      return { status: 'continue', send: [encodeCommand('INITIATE', encodeMetadata(this.options.properties))] };
    }
    if (this.state === 'waiting-ready' && isCommand(body, 'READY')) {
      const md = decodeMetadata(body.subarray(6));
      if (md.error) return this.fail(`malformed PLAIN READY metadata: ${md.error}`, 'ERR_ZMTP_INVALID_METADATA');
      this.state = 'done';
      return { status: 'ready', send: [], peerProperties: md.properties, peerRaw: md.raw };
    }
    return this.fail(`unexpected ${commandName(body)} command while the PLAIN client is ${this.state}`, 'ERR_ZMTP_UNEXPECTED_COMMAND');
  }

  private fail(reason: string, code: ProtocolErrorCode): HandshakeStep {
    this.state = 'done';
    return protocolError(reason, code);
  }
}

export class PlainServer implements Mechanism {
  readonly name = 'PLAIN';
  readonly encrypts = false;
  private state: 'waiting-hello' | 'asking-zap' | 'waiting-initiate' | 'done' = 'waiting-hello';
  private userId = '';
  private zapProperties: Record<string, string> = {};

  constructor(private readonly options: MechanismOptions) {}

  start(): Buffer[] {
    return [];
  }

  async onCommand(body: Buffer): Promise<HandshakeStep> {
    if (this.state === 'waiting-hello') {
      const hello = parsePlainHello(body);
      if ('error' in hello)
        return this.fail(hello.error, isCommand(body, 'HELLO') ? 'ERR_ZMTP_MALFORMED_COMMAND_HELLO' : 'ERR_ZMTP_UNEXPECTED_COMMAND');
      this.state = 'asking-zap';
      const verdict = await askZapFor(this.options, 'PLAIN', [hello.username, hello.password]);
      if (verdict.outcome === 'no-handler') {
        this.state = 'done';
        return {
          status: 'error',
          send: [],
          kind: 'no-detail',
          reason: 'PLAIN server has no ZAP handler bound at inproc://zeromq.zap.01 to check credentials',
        };
      }
      if (verdict.outcome !== 'accepted') {
        this.state = 'done';
        return zapFailure(verdict, 'PLAIN', libzmqPlainErrorCommand);
      }
      this.userId = verdict.userId;
      this.zapProperties = verdict.properties;
      this.state = 'waiting-initiate';
      return { status: 'continue', send: [encodeCommand('WELCOME')] };
    }
    if (this.state === 'waiting-initiate') {
      if (!isCommand(body, 'INITIATE')) return this.fail(`expected INITIATE, got ${commandName(body)}`, 'ERR_ZMTP_UNEXPECTED_COMMAND');
      const md = decodeMetadata(body.subarray(9));
      if (md.error) return this.fail(`malformed PLAIN INITIATE metadata: ${md.error}`, 'ERR_ZMTP_INVALID_METADATA');
      this.state = 'done';
      return {
        status: 'ready',
        send: [readyCommand(this.options.properties)],
        peerProperties: md.properties,
        peerRaw: md.raw,
        userId: this.userId,
        zapMetadata: this.zapProperties,
      };
    }
    return this.fail(`unexpected ${commandName(body)} command while the PLAIN server is ${this.state}`, 'ERR_ZMTP_UNEXPECTED_COMMAND');
  }

  private fail(reason: string, code: ProtocolErrorCode): HandshakeStep {
    this.state = 'done';
    return protocolError(reason, code);
  }
}
