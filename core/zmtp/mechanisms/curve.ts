// CURVE mechanism (RFC 26 CurveZMQ): HELLO / WELCOME / INITIATE / READY with short-term keys and a
// cookie, then every frame travels inside a MESSAGE box. Byte layouts and nonce rules follow libzmq 4.3
// (curve_client_tools.hpp, curve_server.cpp, curve_mechanism_base.cpp); the crypto is tweetnacl's
// crypto_box / crypto_secretbox (the "easy" layout: 16-byte MAC, then the ciphertext).
//
// Nonces: the handshake's long nonces are a 16-byte prefix plus an 8-byte big-endian counter (or 16 random
// bytes for WELCOME and the cookie/vouch). Each side counts from 1: the client's HELLO is 1, INITIATE 2,
// its messages 3...; the server's READY is 1, its messages 2.... A received MESSAGE must carry a counter
// greater than the last one seen from that peer (libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE).
//
// On the wire a MESSAGE is an ordinary frame with no flags (libzmq sends it that way); the frame's own
// MORE/COMMAND flags travel inside the box, in its first byte: 0x01 more, 0x02 command.
import type Nacl from 'tweetnacl';
import { lazyPackage } from '../lazy-package.js';
import { decodeMetadata, encodeMetadata } from '../metadata.js';
import type { HandshakeStep, Mechanism, MechanismOptions } from './mechanism.js';
import type { ProtocolErrorCode } from './protocol-errors.js';
import { askZapFor, commandName, enforcedWithoutHandler, errorReceived, isCommand, protocolError, zapFailure } from './common.js';

export * from './curve-layout.js';
import {
  NONCE_HELLO,
  NONCE_WELCOME,
  NONCE_COOKIE,
  NONCE_VOUCH,
  NONCE_INITIATE,
  NONCE_READY,
  NONCE_MESSAGE_CLIENT,
  NONCE_MESSAGE_SERVER,
  CURVE_HELLO_SIZE,
  CURVE_WELCOME_SIZE,
  CURVE_INITIATE_MIN_SIZE,
  CURVE_READY_MIN_SIZE,
  CURVE_MESSAGE_MIN_SIZE,
} from './curve-layout.js';

const MESSAGE_HEADER = Buffer.from('\x07MESSAGE', 'latin1');
const FLAG_MORE = 0x01;
const FLAG_COMMAND = 0x02;
const ZERO_BYTES = 32;
const BOX_ZERO_BYTES = 16;

// tweetnacl's NaCl-layout primitives (zero-padded buffers), used for MESSAGE boxes so a frame is copied
// once on the way out; not in tweetnacl's typings.
// (crypto_box_afternm is crypto_secretbox keyed with the precomputed crypto_box_beforenm key; tweetnacl
// exports the opening half only under its secretbox name.)
interface NaclLowLevel {
  crypto_box_afternm(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
  crypto_secretbox_open(m: Uint8Array, c: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
}
const nacl = lazyPackage<typeof Nacl>('tweetnacl');
const lowlevel = (): NaclLowLevel => (nacl() as unknown as { lowlevel: NaclLowLevel }).lowlevel;

function longNonce(prefix: Buffer, short: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(prefix, 0);
  nonce.set(short, prefix.length);
  return nonce;
}

function counterBytes(counter: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(Math.floor(counter / 0x100000000), 0);
  b.writeUInt32BE(counter >>> 0, 4);
  return b;
}

function readCounter(b: Buffer, offset: number): number {
  return b.readUInt32BE(offset) * 0x100000000 + b.readUInt32BE(offset + 4);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * The encrypted phase shared by both sides: seals outgoing frames with our prefix and a rising counter,
 * opens incoming ones with the peer's prefix and checks the peer's counter only goes up.
 */
class CurveChannel {
  private nonce: number;
  private peerNonce: number;
  private readonly sendNonce = new Uint8Array(24);
  private readonly recvNonce = new Uint8Array(24);

  constructor(
    private readonly key: Uint8Array,
    sendPrefix: Buffer,
    recvPrefix: Buffer,
    nextNonce: number,
    lastPeerNonce: number,
  ) {
    this.nonce = nextNonce;
    this.peerNonce = lastPeerNonce;
    this.sendNonce.set(sendPrefix, 0);
    this.recvNonce.set(recvPrefix, 0);
  }

  seal(body: Uint8Array, more: boolean, command: boolean): Buffer {
    const n = this.nonce++;
    const hi = Math.floor(n / 0x100000000);
    const lo = n >>> 0;
    const nonce = this.sendNonce;
    nonce[16] = hi >>> 24;
    nonce[17] = (hi >>> 16) & 0xff;
    nonce[18] = (hi >>> 8) & 0xff;
    nonce[19] = hi & 0xff;
    nonce[20] = lo >>> 24;
    nonce[21] = (lo >>> 16) & 0xff;
    nonce[22] = (lo >>> 8) & 0xff;
    nonce[23] = lo & 0xff;
    const length = ZERO_BYTES + 1 + body.length;
    const plain = Buffer.allocUnsafe(length);
    plain.fill(0, 0, ZERO_BYTES);
    plain[ZERO_BYTES] = (more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0);
    plain.set(body, ZERO_BYTES + 1);
    // The NaCl layout leaves 16 zero bytes in front of the box: exactly the room for the command name
    // and the short nonce, so the output buffer is the whole MESSAGE body.
    const out = Buffer.allocUnsafe(length);
    lowlevel().crypto_box_afternm(out, plain, length, nonce, this.key);
    MESSAGE_HEADER.copy(out, 0);
    out.set(nonce.subarray(16), 8);
    return out;
  }

  open(commandBody: Buffer): { more: boolean; command: boolean; body: Buffer } | { error: string } {
    if (!isCommand(commandBody, 'MESSAGE')) return { error: `expected a CURVE MESSAGE, got ${commandName(commandBody)}` };
    if (commandBody.length < CURVE_MESSAGE_MIN_SIZE) {
      return { error: `malformed CURVE MESSAGE: ${commandBody.length} bytes, at least ${CURVE_MESSAGE_MIN_SIZE} needed` };
    }
    const counter = readCounter(commandBody, 8);
    if (counter <= this.peerNonce) {
      return { error: `CURVE MESSAGE nonce ${counter} does not follow the last one (${this.peerNonce}): replayed or reordered` };
    }
    const nonce = this.recvNonce;
    nonce.set(commandBody.subarray(8, 16), 16);
    const length = commandBody.length - 16 + BOX_ZERO_BYTES;
    const boxed = Buffer.allocUnsafe(length);
    boxed.fill(0, 0, BOX_ZERO_BYTES);
    commandBody.copy(boxed, BOX_ZERO_BYTES, 16);
    const plain = Buffer.allocUnsafe(length);
    if (lowlevel().crypto_secretbox_open(plain, boxed, length, nonce, this.key) !== 0) {
      return { error: 'CURVE MESSAGE box does not open: wrong connection key or corrupted data' };
    }
    this.peerNonce = counter;
    const flags = plain[ZERO_BYTES];
    return { more: (flags & FLAG_MORE) !== 0, command: (flags & FLAG_COMMAND) !== 0, body: plain.subarray(ZERO_BYTES + 1) };
  }
}

export interface CurveClientOptions extends MechanismOptions {
  /** Server's long-term public key S (32 bytes). */
  serverKey: Uint8Array;
  /** Our long-term key pair C / c (32 bytes each). */
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export interface CurveServerOptions extends MechanismOptions {
  /** Our long-term secret key s (32 bytes); the public key S is derived from it. */
  secretKey: Uint8Array;
  /** libzmq's ZMQ_ZAP_ENFORCE_DOMAIN (default false): see CurveServer.afterInitiate. */
  zapEnforceDomain?: boolean;
}

function checkKey(key: Uint8Array | undefined, what: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw Object.assign(new RangeError(`CURVE ${what} must be 32 bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`), {
      code: 'EINVAL',
    });
  }
  return key;
}

/** What CurveClient and CurveServer share after the handshake: MESSAGE boxes through their CurveChannel. */
abstract class CurveMechanism {
  readonly name = 'CURVE';
  protected channel?: CurveChannel;

  constructor(private readonly role: 'client' | 'server') {}

  seal(body: Uint8Array, more: boolean, command: boolean): Buffer {
    if (!this.channel) throw new Error(`CURVE ${this.role} cannot seal before the handshake is done`);
    return this.channel.seal(body, more, command);
  }

  open(commandBody: Buffer): { more: boolean; command: boolean; body: Buffer } | { error: string } {
    if (!this.channel) return { error: 'CURVE MESSAGE before the handshake is done' };
    return this.channel.open(commandBody);
  }
}

export class CurveClient extends CurveMechanism implements Mechanism {
  private state: 'start' | 'waiting-welcome' | 'waiting-ready' | 'ready' | 'done' = 'start';
  private readonly serverKey: Uint8Array;
  private readonly publicKey: Uint8Array;
  private readonly secretKey: Uint8Array;
  private readonly shortTerm = nacl().box.keyPair();
  private nonce = 1;
  private precomputed?: Uint8Array;

  constructor(private readonly options: CurveClientOptions) {
    super('client');
    this.serverKey = checkKey(options.serverKey, 'server key');
    this.publicKey = checkKey(options.publicKey, 'public key');
    this.secretKey = checkKey(options.secretKey, 'secret key');
    if (!equalBytes(nacl().scalarMult.base(this.secretKey), this.publicKey)) {
      throw Object.assign(new RangeError('CURVE public key does not belong to the secret key'), { code: 'EINVAL' });
    }
  }

  get encrypts(): boolean {
    return this.state === 'ready';
  }

  start(): Buffer[] {
    this.state = 'waiting-welcome';
    const short = counterBytes(this.nonce++);
    const signature = nacl().box(new Uint8Array(64), longNonce(NONCE_HELLO, short), this.serverKey, this.shortTerm.secretKey);
    const hello = Buffer.alloc(CURVE_HELLO_SIZE);
    hello.write('\x05HELLO', 0, 'latin1');
    hello[6] = 1; // CurveZMQ version 1.0
    hello[7] = 0;
    // bytes 8..80: anti-amplification padding (zeros)
    hello.set(this.shortTerm.publicKey, 80);
    short.copy(hello, 112);
    hello.set(signature, 120);
    return [hello];
  }

  onCommand(body: Buffer): HandshakeStep {
    if (isCommand(body, 'ERROR') && (this.state === 'waiting-welcome' || this.state === 'waiting-ready')) {
      this.state = 'done';
      return errorReceived(body, 'CURVE');
    }
    if (this.state === 'waiting-welcome' && isCommand(body, 'WELCOME')) return this.onWelcome(body);
    if (this.state === 'waiting-ready' && isCommand(body, 'READY')) return this.onReady(body);
    return this.fail(`unexpected ${commandName(body)} command while the CURVE client is ${this.state}`, 'ERR_ZMTP_UNEXPECTED_COMMAND');
  }

  private onWelcome(body: Buffer): HandshakeStep {
    if (body.length !== CURVE_WELCOME_SIZE)
      return this.fail(
        `malformed CURVE WELCOME: ${body.length} bytes, expected ${CURVE_WELCOME_SIZE}`,
        'ERR_ZMTP_MALFORMED_COMMAND_WELCOME',
      );
    const plain = nacl().box.open(
      body.subarray(24),
      longNonce(NONCE_WELCOME, body.subarray(8, 24)),
      this.serverKey,
      this.shortTerm.secretKey,
    );
    if (!plain)
      return this.fail(
        'CURVE WELCOME box does not open: the server does not hold the secret key for our curveServerKey',
        'ERR_ZMTP_CRYPTOGRAPHIC',
      );
    const serverShort = plain.subarray(0, 32);
    const cookie = plain.subarray(32, 128);
    this.precomputed = nacl().box.before(serverShort, this.shortTerm.secretKey);

    const vouchNonce = nacl().randomBytes(16);
    const vouchPlain = new Uint8Array(64);
    vouchPlain.set(this.shortTerm.publicKey, 0);
    vouchPlain.set(this.serverKey, 32);
    const vouch = nacl().box(vouchPlain, longNonce(NONCE_VOUCH, vouchNonce), serverShort, this.secretKey);

    const metadata = encodeMetadata(this.options.properties);
    const initiatePlain = new Uint8Array(128 + metadata.length);
    initiatePlain.set(this.publicKey, 0);
    initiatePlain.set(vouchNonce, 32);
    initiatePlain.set(vouch, 48);
    initiatePlain.set(metadata, 128);
    const short = counterBytes(this.nonce++);
    const box = nacl().box.after(initiatePlain, longNonce(NONCE_INITIATE, short), this.precomputed);
    const initiate = Buffer.concat([Buffer.from('\x08INITIATE', 'latin1'), cookie, short, box]);
    this.state = 'waiting-ready';
    return { status: 'continue', send: [initiate] };
  }

  private onReady(body: Buffer): HandshakeStep {
    if (body.length < CURVE_READY_MIN_SIZE)
      return this.fail(
        `malformed CURVE READY: ${body.length} bytes, at least ${CURVE_READY_MIN_SIZE} needed`,
        'ERR_ZMTP_MALFORMED_COMMAND_READY',
      );
    const peerNonce = readCounter(body, 6);
    const plain = nacl().box.open.after(body.subarray(14), longNonce(NONCE_READY, body.subarray(6, 14)), this.precomputed!);
    if (!plain) return this.fail('CURVE READY box does not open', 'ERR_ZMTP_CRYPTOGRAPHIC');
    const md = decodeMetadata(Buffer.from(plain.buffer, plain.byteOffset, plain.length));
    if (md.error) return this.fail(`malformed CURVE READY metadata: ${md.error}`, 'ERR_ZMTP_INVALID_METADATA');
    this.channel = new CurveChannel(this.precomputed!, NONCE_MESSAGE_CLIENT, NONCE_MESSAGE_SERVER, this.nonce, peerNonce);
    this.state = 'ready';
    return { status: 'ready', send: [], peerProperties: md.properties, peerRaw: md.raw };
  }

  private fail(reason: string, code: ProtocolErrorCode): HandshakeStep {
    this.state = 'done';
    return protocolError(reason, code);
  }
}

export class CurveServer extends CurveMechanism implements Mechanism {
  private state: 'waiting-hello' | 'waiting-initiate' | 'asking-zap' | 'ready' | 'done' = 'waiting-hello';
  private readonly secretKey: Uint8Array;
  private readonly publicKey: Uint8Array;
  private readonly shortTerm = nacl().box.keyPair();
  /** Fresh per connection, like libzmq; it only has to outlive one handshake. */
  private readonly cookieKey = nacl().randomBytes(32);
  private clientShort?: Uint8Array;
  private peerNonce = 0;
  private nonce = 1;

  constructor(private readonly options: CurveServerOptions) {
    super('server');
    this.secretKey = checkKey(options.secretKey, 'secret key');
    this.publicKey = nacl().scalarMult.base(this.secretKey);
  }

  get encrypts(): boolean {
    return this.state === 'ready';
  }

  start(): Buffer[] {
    return [];
  }

  async onCommand(body: Buffer): Promise<HandshakeStep> {
    if (this.state === 'waiting-hello') return this.onHello(body);
    if (this.state === 'waiting-initiate') return this.onInitiate(body);
    return this.fail(`unexpected ${commandName(body)} command while the CURVE server is ${this.state}`, 'ERR_ZMTP_UNEXPECTED_COMMAND');
  }

  private onHello(body: Buffer): HandshakeStep {
    if (!isCommand(body, 'HELLO')) return this.fail(`expected HELLO, got ${commandName(body)}`, 'ERR_ZMTP_UNEXPECTED_COMMAND');
    if (body.length !== CURVE_HELLO_SIZE)
      return this.fail(`malformed CURVE HELLO: ${body.length} bytes, expected ${CURVE_HELLO_SIZE}`, 'ERR_ZMTP_MALFORMED_COMMAND_HELLO');
    if (body[6] !== 1 || body[7] !== 0)
      return this.fail(`CURVE HELLO has unknown version ${body[6]}.${body[7]}, expected 1.0`, 'ERR_ZMTP_MALFORMED_COMMAND_HELLO');
    const clientShort = body.subarray(80, 112);
    const signature = nacl().box.open(
      body.subarray(120, 200),
      longNonce(NONCE_HELLO, body.subarray(112, 120)),
      clientShort,
      this.secretKey,
    );
    if (!signature)
      return this.fail('CURVE HELLO signature box does not open: the client used another server key', 'ERR_ZMTP_CRYPTOGRAPHIC');
    this.clientShort = Uint8Array.from(clientShort);
    this.peerNonce = readCounter(body, 112);

    const cookieNonce = nacl().randomBytes(16);
    const cookiePlain = new Uint8Array(64);
    cookiePlain.set(this.clientShort, 0);
    cookiePlain.set(this.shortTerm.secretKey, 32);
    const cookie = nacl().secretbox(cookiePlain, longNonce(NONCE_COOKIE, cookieNonce), this.cookieKey);

    const welcomePlain = new Uint8Array(128);
    welcomePlain.set(this.shortTerm.publicKey, 0);
    welcomePlain.set(cookieNonce, 32);
    welcomePlain.set(cookie, 48);
    const welcomeNonce = nacl().randomBytes(16);
    const box = nacl().box(welcomePlain, longNonce(NONCE_WELCOME, welcomeNonce), this.clientShort, this.secretKey);
    this.state = 'waiting-initiate';
    return { status: 'continue', send: [Buffer.concat([Buffer.from('\x07WELCOME', 'latin1'), welcomeNonce, box])] };
  }

  private async onInitiate(body: Buffer): Promise<HandshakeStep> {
    if (!isCommand(body, 'INITIATE')) return this.fail(`expected INITIATE, got ${commandName(body)}`, 'ERR_ZMTP_UNEXPECTED_COMMAND');
    if (body.length < CURVE_INITIATE_MIN_SIZE) {
      return this.fail(
        `malformed CURVE INITIATE: ${body.length} bytes, at least ${CURVE_INITIATE_MIN_SIZE} needed`,
        'ERR_ZMTP_MALFORMED_COMMAND_INITIATE',
      );
    }
    const cookie = nacl().secretbox.open(body.subarray(25, 105), longNonce(NONCE_COOKIE, body.subarray(9, 25)), this.cookieKey);
    if (!cookie) return this.fail('CURVE INITIATE cookie does not open: not the cookie this server sent', 'ERR_ZMTP_CRYPTOGRAPHIC');
    if (!equalBytes(cookie.subarray(0, 32), this.clientShort!) || !equalBytes(cookie.subarray(32, 64), this.shortTerm.secretKey)) {
      return this.fail('CURVE INITIATE cookie belongs to another connection', 'ERR_ZMTP_CRYPTOGRAPHIC');
    }
    const initiateNonce = readCounter(body, 105);
    const plain = nacl().box.open(
      body.subarray(113),
      longNonce(NONCE_INITIATE, body.subarray(105, 113)),
      this.clientShort!,
      this.shortTerm.secretKey,
    );
    if (!plain) return this.fail('CURVE INITIATE box does not open', 'ERR_ZMTP_CRYPTOGRAPHIC');
    const clientKey = plain.subarray(0, 32);
    const vouch = nacl().box.open(
      plain.subarray(48, 128),
      longNonce(NONCE_VOUCH, plain.subarray(32, 48)),
      clientKey,
      this.shortTerm.secretKey,
    );
    if (!vouch)
      return this.fail(
        'CURVE INITIATE vouch does not open: the client does not hold the secret key for its public key',
        'ERR_ZMTP_CRYPTOGRAPHIC',
      );
    if (!equalBytes(vouch.subarray(0, 32), this.clientShort!))
      return this.fail('CURVE INITIATE vouch names another short-term key', 'ERR_ZMTP_KEY_EXCHANGE');
    if (!equalBytes(vouch.subarray(32, 64), this.publicKey))
      return this.fail('CURVE INITIATE vouch names another server key', 'ERR_ZMTP_KEY_EXCHANGE');
    const md = decodeMetadata(Buffer.from(plain.buffer, plain.byteOffset + 128, plain.length - 128));
    if (md.error) return this.fail(`malformed CURVE INITIATE metadata: ${md.error}`, 'ERR_ZMTP_INVALID_METADATA');
    this.peerNonce = initiateNonce;

    // libzmq: ask ZAP when a domain is set or ZMQ_ZAP_ENFORCE_DOMAIN is off (the default). With no handler
    // bound, accept (the "Stonehouse" pattern: encryption without authentication) unless enforcing.
    let userId: string | undefined;
    let zapMetadata: Record<string, string> | undefined;
    const enforce = this.options.zapEnforceDomain === true;
    if (this.options.zapDomain || !enforce) {
      this.state = 'asking-zap';
      const verdict = await askZapFor(this.options, 'CURVE', [Buffer.from(clientKey)]);
      if (verdict.outcome === 'no-handler') {
        if (enforce) {
          this.state = 'done';
          return enforcedWithoutHandler('CURVE');
        }
      } else if (verdict.outcome === 'accepted') {
        userId = verdict.userId;
        zapMetadata = verdict.properties;
      } else {
        this.state = 'done';
        return zapFailure(verdict, 'CURVE');
      }
    }

    const precomputed = nacl().box.before(this.clientShort!, this.shortTerm.secretKey);
    const short = counterBytes(this.nonce++);
    const readyBox = nacl().box.after(encodeMetadata(this.options.properties), longNonce(NONCE_READY, short), precomputed);
    const ready = Buffer.concat([Buffer.from('\x05READY', 'latin1'), short, readyBox]);
    this.channel = new CurveChannel(precomputed, NONCE_MESSAGE_SERVER, NONCE_MESSAGE_CLIENT, this.nonce, this.peerNonce);
    this.state = 'ready';
    return { status: 'ready', send: [ready], peerProperties: md.properties, peerRaw: md.raw, userId, zapMetadata };
  }

  private fail(reason: string, code: ProtocolErrorCode): HandshakeStep {
    this.state = 'done';
    return protocolError(reason, code);
  }
}
