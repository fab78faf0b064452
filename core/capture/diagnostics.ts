// Every problem the sniffer reports, declared once: a stable code, a severity and a doc line (like
// Wireshark's expert info: a field and a severity), and the function that makes its text. Error records
// (inspect/) and capture warnings (capture/) are made from here, so they carry `code` and `severity`
// besides the text; tests compare codes, and README's table of codes is checked against this one
// (test/unit/inspect/diagnostics.test.ts). It sits in capture/, the sniffer's lowest layer, so that
// both layers take from it and data still flows one way.
//
// Severities: 'error' the input breaks its protocol (or cannot be decoded further); 'warning' something
// is missing or suspicious (cut short, lost, not done the way peers do it) but decoding goes on;
// 'note' worth knowing, not wrong (traffic that is not ZMTP, bytes skipped to find frames).

export type Severity = 'error' | 'warning' | 'note';

interface Declaration<A extends unknown[]> {
  severity: Severity;
  doc: string;
  text: (...args: A) => string;
}

function declare<A extends unknown[]>(severity: Severity, doc: string, text: (...args: A) => string): Declaration<A> {
  return { severity, doc, text };
}

/** Text given by the site that found the problem (the capture layer's many header checks), as is. */
const detail = (text: string) => text;

export const DIAGNOSTICS = {
  // ---- ZMTP greeting and handshake ----
  ZMTP_BAD_GREETING: declare(
    'error',
    'A greeting that breaks RFC 23/37 (signature, version or mechanism name); that direction is not decoded further.',
    (why: string) => `bad greeting: ${why}`,
  ),
  ZMTP_MECHANISM_MISMATCH: declare(
    'error',
    'The two ZMTP 3 greetings name different security mechanisms.',
    (one: string, other: string) => `mechanism mismatch: ${one} on one side, ${other} on the other`,
  ),
  ZMTP_MESSAGE_BEFORE_HANDSHAKE: declare(
    'warning',
    'A message sent before its side finished the handshake (READY/INITIATE or the 1.0/2.0 identity); shown anyway.',
    () => 'message sent before the handshake completed',
  ),
  ZMTP_ENDED_IN_GREETING: declare(
    'warning',
    "The connection ended before a side's greeting was complete.",
    (seen: number) => `connection ended during the greeting (${seen} bytes of it seen)`,
  ),
  ZMTP_ENDED_UNDECIDED: declare(
    'note',
    'A connection joined mid-stream ended before enough bytes came to tell a greeting from frames.',
    (seen: number) => `connection (joined mid-stream) ended after ${seen} bytes, too few to tell a greeting from frames`,
  ),
  ZMTP_ENDED_BEFORE_IDENTITY: declare(
    'warning',
    'A ZMTP 1.0/2.0 connection ended after the greeting, before the identity frame.',
    () => 'connection ended before the identity frame',
  ),
  // ---- frames and commands ----
  ZMTP_MALFORMED_FRAME: declare(
    'error',
    'A frame header the framing forbids (reserved flags, a length over the limit, a non-minimal long length); decoding resynchronises after it.',
    (why: string) => `malformed frame: ${why}`,
  ),
  ZMTP_FRAME_DROPPED: declare(
    'error',
    'No memory could be had for a frame; that direction is not decoded further.',
    (why: string) => `frame dropped: ${why}`,
  ),
  ZMTP_ENDED_IN_FRAME: declare(
    'warning',
    'The connection ended inside a frame.',
    (seen: number) => `connection ended inside a frame (${seen} bytes of it seen)`,
  ),
  ZMTP_ENDED_IN_MESSAGE: declare(
    'warning',
    'The connection ended inside a multipart message (its last frame seen had MORE set).',
    (frames: number) => `connection ended inside a multipart message (${frames} frames seen, last had MORE set)`,
  ),
  ZMTP_COMMAND_IN_MESSAGE: declare(
    'error',
    'A command frame came between the frames of a multipart message; the frames before it are dropped.',
    (dropped: number) => `command frame inside a multipart message (${dropped} frames dropped)`,
  ),
  ZMTP_MESSAGE_OVER_CAP: declare(
    'warning',
    "A multipart message went past the inspector's cap (maxMessageFrames / maxMessageBytes): its frames are counted, not kept.",
    (capFrames: number, capBytes: number, frames: number, bytes: number, endedThere: boolean) =>
      `multipart message over the cap of ${capFrames} frames or ${capBytes} bytes (at frame ${frames}, ${bytes} bytes): its frames are counted, not kept, until its last frame${endedThere ? '; it ended there' : ''}`,
  ),
  ZMTP_MESSAGE_OVER_CAP_ENDED: declare(
    'note',
    'The last frame of a multipart message that went past the cap: how long it was.',
    (frames: number, bytes: number) =>
      `a multipart message past the cap ended after ${frames} frames (${bytes} bytes); its frames were not kept`,
  ),
  ZMTP_MALFORMED_COMMAND: declare(
    'error',
    'A command frame whose name length runs past the frame.',
    (bytes: number) => `malformed command frame (${bytes} bytes): name length runs past the frame`,
  ),
  ZMTP_MALFORMED_COMMAND_BODY: declare(
    'error',
    'A command whose body does not have its RFC layout (READY metadata, SUBSCRIBE, PING, ...).',
    (name: string, why: string) => `${name}: ${why}`,
  ),
  ZMTP_LIBZMQ_ERROR_NAME: declare(
    'warning',
    'libzmq 4.3 writes its ZAP-refusal ERROR command name as "\\x5ERROR"; decoded as the ERROR it means.',
    () => 'malformed ERROR command: name sent as "\\x5ERROR" (a libzmq 4.3 bug), decoded as ERROR',
  ),
  ZMTP_PEER_ERROR: declare(
    'warning',
    "A peer sent an ERROR command (the handshake failed, e.g. ZAP refused it): the connection's state is error.",
    (side: string, reason: string) => `${side} sent ERROR: ${reason}`,
  ),
  ZMTP_MALFORMED_SECURITY: declare(
    'error',
    'A PLAIN, CURVE or GSSAPI handshake command (or CURVE/GSSAPI MESSAGE) without the layout its mechanism requires.',
    (why: string) => why,
  ),
  // ---- connections that are not ZMTP ----
  NOT_ZMTP_FIRST_BYTES: declare(
    'note',
    'The first bytes are neither a ZMTP signature nor a ZMTP 1.0 identity frame: the connection is not followed.',
    (hex: string) => `not ZMTP: first bytes ${hex} are neither a ZMTP signature nor a ZMTP 1.0 identity frame`,
  ),
  NOT_ZMTP_NO_FRAMES: declare(
    'note',
    'A stream seen without its greeting in which no run of plausible frames was found (resyncGiveUpBytes).',
    (bytes: number) => `not ZMTP: no ZMTP frames found in the first ${bytes} bytes`,
  ),
  NOT_ZMTP_HTTP: declare(
    'note',
    'HTTP that cannot be parsed as a WebSocket upgrade (bad or oversized head).',
    (why: string) => `not ZMTP: HTTP: ${why}`,
  ),
  NOT_ZMTP_NOT_ZWS: declare(
    'note',
    'An HTTP request that is not a ZeroMQ WebSocket upgrade (no Upgrade: websocket, or no ZWS2.0 subprotocol offered).',
    (startLine: string) => `not ZMTP: HTTP request ${JSON.stringify(startLine)} is not a ZeroMQ WebSocket upgrade (no ZWS2.0 subprotocol)`,
  ),
  // ---- resynchronisation and gaps ----
  ZMTP_RESYNC_SKIPPED: declare(
    'note',
    'Bytes skipped to find frame boundaries (a stream joined mid-way, after lost bytes or a malformed frame); what follows is marked heuristic.',
    (bytes: number) => `skipped ${bytes} bytes to find frame boundaries`,
  ),
  ZMTP_GAP_IN_MESSAGE: declare(
    'warning',
    'Bytes never captured fell inside a multipart message: the frames seen of it are dropped.',
    (frames: number) => `${frames} frames of a multipart message lost in the gap`,
  ),
  // ---- ZeroMQ over WebSocket (ZWS 2.0) ----
  ZWS_UPGRADE_REFUSED: declare(
    'error',
    'The server answered the WebSocket upgrade with another status than 101.',
    (status: string) => `WebSocket upgrade refused: the server answered HTTP ${status}`,
  ),
  ZWS_NO_SUBPROTOCOL: declare(
    'error',
    'The server accepted the WebSocket upgrade but chose no ZWS subprotocol (so no mechanism).',
    (chosen: string) => `WebSocket upgrade refused: the server chose no ZWS subprotocol (${chosen})`,
  ),
  ZWS_TEXT_MESSAGE: declare(
    'warning',
    'A text WebSocket message in a ZWS stream, which uses binary messages; ignored.',
    (bytes: number) => `text WebSocket message (${bytes} bytes) in a ZWS stream, which uses binary messages`,
  ),
  ZWS_EMPTY_MESSAGE: declare(
    'error',
    'A binary WebSocket message without the ZWS flags byte.',
    () => 'empty WebSocket message: a ZWS message needs at least its flags byte',
  ),
  ZWS_BAD_FLAGS: declare(
    'warning',
    'A ZWS flags byte with bits other than MORE (0x01) and COMMAND (0x02) set.',
    (flags: number) => `ZWS flags byte 0x${flags.toString(16)} has unknown bits set`,
  ),
  ZWS_MALFORMED: declare(
    'error',
    'WebSocket framing that breaks RFC 6455 (reserved bits, bad lengths, fragmented control frames); that direction is not decoded further.',
    (why: string) => `malformed WebSocket stream: ${why}`,
  ),
  ZWS_ENDED_IN_UPGRADE: declare(
    'warning',
    'The connection ended inside the HTTP upgrade head.',
    (seen: number) => `connection ended inside the HTTP upgrade (${seen} bytes of it seen)`,
  ),
  ZWS_ENDED_IN_MESSAGE: declare(
    'warning',
    'The connection ended inside a WebSocket message.',
    (seen: number) => `connection ended inside a WebSocket message (${seen} bytes of it seen)`,
  ),
  // ---- PGM and EPGM ----
  PGM_TRUNCATED: declare(
    'error',
    "A PGM packet with fewer bytes than its header, its type's fields or its options need.",
    (why: string) => `malformed PGM packet: ${why}`,
  ),
  PGM_BAD_CHECKSUM: declare(
    'error',
    'A PGM packet whose checksum does not match its bytes.',
    (why: string) => `malformed PGM packet: ${why}`,
  ),
  PGM_NO_CHECKSUM: declare(
    'error',
    'ODATA/RDATA with a zero checksum field (RFC 3208 and OpenPGM require one).',
    (why: string) => `malformed PGM packet: ${why}`,
  ),
  PGM_UNKNOWN_TYPE: declare('error', 'A packet type PGM does not define.', (why: string) => `malformed PGM packet: ${why}`),
  PGM_BAD_AFI: declare(
    'error',
    'A network-layer address whose family is neither IPv4 (1) nor IPv6 (2).',
    (why: string) => `malformed PGM packet: ${why}`,
  ),
  PGM_BAD_OPTIONS: declare(
    'error',
    'A PGM option area that does not add up (no OPT_LENGTH first, lengths, no end marker, too many options).',
    (why: string) => `malformed PGM packet: ${why}`,
  ),
  PGM_BAD_OPTION: declare('error', 'One PGM option whose length does not fit its type.', (why: string) => `malformed PGM packet: ${why}`),
  PGM_BAD_TSDU_LENGTH: declare(
    'error',
    'ODATA/RDATA whose data length differs from the TSDU length in its header.',
    (why: string) => `malformed PGM packet: ${why}`,
  ),
  PGM_CUT: declare(
    'warning',
    "A PGM packet cut by the capture's snap length: its checksum cannot be checked, it is not decoded.",
    (captured: number) => `PGM packet cut by the capture's snap length (${captured} bytes captured): not decoded`,
  ),
  PGM_SEQUENCE_JUMP: declare(
    'warning',
    "A data sequence number (or an SPM's trail) too far from the expected one to be believed; ignored.",
    (what: 'data' | 'trail', sqn: number, distance: number, expected: number, limit: number) =>
      what === 'data'
        ? `data sequence number ${sqn} is ${distance} from the expected ${expected} (further than ${limit}): not believed, packet ignored`
        : `SPM trail ${sqn} is ${distance} past the expected data sequence number ${expected}: not believed`,
  ),
  PGM_BAD_APDU: declare(
    'error',
    'An APDU fragment that does not continue the APDU in hand; dropped.',
    (firstSqn: number, offset: number, length: number) =>
      `APDU fragment (first sqn ${firstSqn}, offset ${offset}, length ${length}) does not continue the APDU in hand; dropped`,
  ),
  PGM_BAD_ZMQ_DATA: declare(
    'error',
    "libzmq's PGM data (the 16-bit first-message offset, then ZMTP/1.0 frames) that does not parse.",
    (why: string) => `libzmq data: ${why}`,
  ),
  PGM_MALFORMED_FRAME: declare(
    'error',
    'ZMTP/1.0 framing in PGM data that breaks the framing; decoding waits for the next message start.',
    (why: string) => `ZMTP/1.0 framing in PGM data: ${why}`,
  ),
  // ---- the capture file and packets (warnings, besides the records) ----
  CAPTURE_TRUNCATED: declare('warning', 'The capture file ends inside a header, block or packet; what came before was read.', detail),
  CAPTURE_CORRUPT: declare(
    'error',
    'A capture file structure that cannot be trusted (bad lengths, byte-order magic); reading stopped there.',
    detail,
  ),
  CAPTURE_UNSUPPORTED: declare('warning', 'A pcapng section version or link type this reader does not decode.', detail),
  CAPTURE_BAD_RECORD: declare(
    'warning',
    'One packet record or interface description of the file is malformed (too short, unknown interface, bad timestamp); skipped.',
    detail,
  ),
  CAPTURE_COPY_FAILED: declare('error', 'A live capture could not write its copy of the packets to the file asked for.', detail),
  PACKET_MALFORMED: declare('warning', 'A packet whose link, IP or TCP header is malformed or cut short; skipped.', detail),
  IP_FRAGMENT_SKIPPED: declare(
    'warning',
    'An IP fragment that cannot be reassembled (no reassembly asked for, or cut by the snap length); skipped.',
    detail,
  ),
  IP_FRAGMENT_MALFORMED: declare(
    'warning',
    "An IP fragment that contradicts IP's rules or the other fragments (offset, length); it, or its datagram, is dropped.",
    detail,
  ),
  IP_FRAGMENT_DROPPED: declare(
    'warning',
    'An IP datagram whose fragments never all came (timed out, too many waiting, end of capture); dropped.',
    detail,
  ),
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;
/** The codes whose text the capture layer's sites write (see `detail`). */
export type CaptureWarningCode =
  | 'CAPTURE_TRUNCATED'
  | 'CAPTURE_CORRUPT'
  | 'CAPTURE_UNSUPPORTED'
  | 'CAPTURE_BAD_RECORD'
  | 'CAPTURE_COPY_FAILED'
  | 'PACKET_MALFORMED'
  | 'IP_FRAGMENT_SKIPPED'
  | 'IP_FRAGMENT_MALFORMED'
  | 'IP_FRAGMENT_DROPPED';
export type DiagnosticArgs<C extends DiagnosticCode> = Parameters<(typeof DIAGNOSTICS)[C]['text']>;

/** A problem, coded: what ErrorRecord and CaptureWarning carry besides their other fields. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
}

/** A problem's code, severity and text, from the table. */
export function diagnose<C extends DiagnosticCode>(code: C, ...args: DiagnosticArgs<C>): Diagnostic {
  const d = DIAGNOSTICS[code] as Declaration<unknown[]>;
  return { code, severity: d.severity, message: d.text(...args) };
}
