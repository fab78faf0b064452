/**
 * PGM (RFC 3208), the reliable multicast protocol under libzmq's pgm:// and epgm:// transports: a pure
 * codec shared by the engine's epgm:// transport and the sniffer, in the style of core/zmtp. It knows
 * bytes only: no sockets, timers or session state. Malformed input comes back as a value with a `code`
 * (PgmErrorCode), never as an exception; the encoders throw RangeError only for values that cannot be
 * put on the wire (programming errors).
 *
 * What the engine (and anyone else) can call:
 *
 * - `parsePgmPacket(bytes, { verifyChecksum? })` -> `{ ok: true, packet }` or `{ ok: false, code, message, header? }`.
 *   `bytes` is exactly one PGM packet: the UDP payload for epgm://, the IP payload for pgm://. The packet
 *   is a union on `type` ('SPM' | 'ODATA' | 'RDATA' | 'NAK' | 'NNAK' | 'NCF' | 'SPMR' | 'POLL' | 'POLR' | 'ACK')
 *   with its fields (sqn, trail, lead, NLAs as address text, data for ODATA/RDATA, a subarray of `bytes`),
 *   `gsi` (6 bytes), `sourcePort`/`destPort`, `flags` (header bits other than OPT_PRESENT), `options`
 *   (PgmOption[]: fragment, nak-list, join, parity-prm, syn, fin, ...), and `header` as it was on the wire.
 *   The checksum is verified unless `verifyChecksum: false`; ODATA/RDATA without one are refused
 *   (PGM_NO_CHECKSUM), as OpenPGM does.
 * - `encodePgmPacket(init, { checksum? })` -> Buffer, the exact bytes OpenPGM would send for those fields
 *   (checksum included unless `checksum: false`; OPT_LENGTH and the OPT_END bit are added for you).
 *   `pgmPacketSize(init)` gives its length beforehand.
 * - `pgmChecksum(bytes)` / `writePgmChecksum(bytes)`: the PGM checksum (field counted as zero).
 * - `tsiOf(header)` -> `{ gsi: hex text, sourcePort }`, the session of a packet in either direction
 *   (upstream NAK/NNAK/SPMR/POLR/ACK carry the TSI port as destination port); `tsiKey(tsi)` -> "gsi.port".
 * - `readZmqPgmChunk(tsdu)` / `writeZmqPgmChunk(firstFrame, bytes)`: libzmq's 16-bit first-message offset
 *   (0xFFFF = none) in front of each TSDU of ZMTP/1.0-framed messages (encode those with core/zmtp
 *   `encodeMessage('v1', frames)`, decode with its 'v1' decoder).
 * - `sqnDiff`/`sqnAdd`/`sqnBefore`: 32-bit wrapping sequence arithmetic.
 * - constants: packet types (PGM_ODATA, ...), option types (OPT_FRAGMENT, ...), header bits
 *   (PGM_OPT_PRESENT, PGM_OPT_NETWORK, ...), IPPROTO_PGM, AFI_IP/AFI_IP6.
 *
 * What OpenPGM 5 (libzmq 4.3's, on this machine) puts on the wire for epgm://IFACE;GROUP:PORT, seen in
 * the captures of test/unit/pgm: UDP datagrams from the sender to GROUP:PORT, PGM destination port =
 * PORT, a random PGM source port, GSI from the host; SPMs at a short interval first, then as heartbeats;
 * ODATA with trail/sqn starting at 0 and a 2-byte libzmq offset in front of each TSDU of at most
 * max_tsdu bytes; receivers answer an unknown source with a multicast SPMR (TTL 1) and a unicast copy.
 */
export * from './constants.js';
export * from './errors.js';
export * from './checksum.js';
export * from './header.js';
export * from './nla.js';
export * from './options.js';
export * from './packets.js';
export * from './sequence.js';
export * from './zmq-framing.js';
