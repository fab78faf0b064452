// One encoder per ZMTP version a connection can settle on, as libzmq has v1_encoder_t (1.0),
// v2_encoder_t (2.0 and 3.0) and v3_1_encoder_t (3.1). The versions differ in two things only: the
// frame header (1.0 has a length prefix counting the flags byte, and no COMMAND flag) and how a
// subscription travels (3.1: a SUBSCRIBE or CANCEL command; older: the subscription message itself).
// Every byte comes from the zmtp codec, so the engine and the sniffer agree on what a frame is.
import { encodeFrame, encodeMessage, writeFrameHeader } from '../../zmtp/frame.js';
import { cancelCommand, joinCommand, leaveCommand, subscribeCommand } from '../../zmtp/commands.js';
import type { ZmtpVersion } from '../../zmtp/greeting.js';

export class VersionEncoder {
  private constructor(
    readonly version: ZmtpVersion,
    /**
     * 'v1' for 1.0; 'v3' for the rest: a 2.0 header is a 3.0 header whose COMMAND bit is reserved, and
     * like libzmq's v2_encoder (which serves 2.0 and 3.0) we keep the flag on the rare command a 2.0
     * connection carries (a DISH's JOIN) rather than refuse it.
     */
    private readonly headerFraming: 'v1' | 'v3',
    /** 3.1 (RFC 37) sends subscriptions as commands; older peers expect the [1|0]topic message. */
    private readonly subscriptionsAsCommands: boolean,
  ) {}

  static readonly V1 = new VersionEncoder('1.0', 'v1', false);
  static readonly V2 = new VersionEncoder('2.0', 'v3', false);
  static readonly V3_0 = new VersionEncoder('3.0', 'v3', false);
  static readonly V3_1 = new VersionEncoder('3.1', 'v3', true);

  static of(version: ZmtpVersion): VersionEncoder {
    return version === '1.0'
      ? VersionEncoder.V1
      : version === '2.0'
        ? VersionEncoder.V2
        : version === '3.0'
          ? VersionEncoder.V3_0
          : VersionEncoder.V3_1;
  }

  /**
   * Writes one frame header at `pos` (the batch writer puts bodies after it) and returns the position
   * after it. 1.0 has no COMMAND flag: a command goes as a plain frame, as libzmq's v1_encoder writes it.
   */
  writeHeader(buf: Buffer, pos: number, more: boolean, command: boolean, size: number): number {
    return writeFrameHeader(buf, pos, this.headerFraming, more, command && this.headerFraming === 'v3', size);
  }

  /** One frame as a buffer of its own (handshake commands, PONG, a re-sent subscription). */
  frame(body: Buffer, more: boolean, command: boolean): Buffer {
    return encodeFrame(this.headerFraming, body, more, command && this.headerFraming === 'v3');
  }

  /** A whole message as one buffer (a 1.0/2.0 identity, a re-sent subscription before 3.1). */
  message(frames: readonly Buffer[]): Buffer {
    return encodeMessage(this.headerFraming, frames);
  }

  /**
   * The command a subscription message (first byte 1 = subscribe, 0 = cancel, then the topic) becomes
   * on this version's wire, or undefined when the message itself travels (ZMTP 3.0 and older).
   */
  subscriptionCommand(message: Buffer): Buffer | undefined {
    if (!this.subscriptionsAsCommands) return undefined;
    const topic = message.subarray(1);
    return message[0] === 1 ? subscribeCommand(topic) : cancelCommand(topic);
  }
}

/**
 * A DISH's [\x01group] / [\x00group] pipe message as the JOIN / LEAVE command it is on the wire, for
 * every version (RFC 48 has no message form of them).
 */
export function groupCommand(message: Buffer): Buffer {
  const group = message.subarray(1);
  return message[0] === 1 ? joinCommand(group) : leaveCommand(group);
}
