// The numbers libzmq 4.3 gives OpenPGM (pgm_socket.cpp) and the sizes that follow from the options, kept in
// one place so the sender and the receiver agree with each other and with a libzmq peer.

/** IPv4 header + UDP header: what epgm:// spends on each packet before PGM's own header. */
export const IP_UDP_OVERHEAD = 20 + 8;
/** PGM header (16) + ODATA/RDATA fixed fields (8). */
export const PGM_DATA_OVERHEAD = 16 + 8;
/**
 * OPT_LENGTH (4) + OPT_FRAGMENT (16): OpenPGM's PGM_MSS keeps room for them in every packet, so the TSDU
 * libzmq fills is the same whether or not an APDU is fragmented (1428 bytes for a 1500-byte TPDU).
 */
export const FRAGMENT_OPTIONS_SIZE = 4 + 16;

/** Largest TSDU per packet for a maximum TPDU (ZMQ_MULTICAST_MAXTPDU), as OpenPGM's PGM_MSS reports it. */
export function maxTsduFor(maxTpdu: number): number {
  return maxTpdu - IP_UDP_OVERHEAD - PGM_DATA_OVERHEAD - FRAGMENT_OPTIONS_SIZE;
}

/** Source: SPM heartbeats after data (libzmq 4.3's heartbeat_spm), then ambient SPMs. */
export const HEARTBEAT_SPM_MS = [100, 100, 100, 100, 1300, 7000, 16000, 25000, 30000];
export const AMBIENT_SPM_MS = 30000;
/** OpenPGM announces a new source with this many SPMs at once, and its end with as many OPT_FIN SPMs. */
export const ANNOUNCE_SPMS = 3;

/** Receiver timers (libzmq 4.3: nak_bo_ivl, nak_rpt_ivl, nak_rdata_ivl, spmr_expiry, peer_expiry). */
export const NAK_BO_IVL_MS = 50;
export const NAK_RPT_IVL_MS = 200;
export const NAK_RDATA_IVL_MS = 200;
export const NAK_DATA_RETRIES = 5;
export const NAK_NCF_RETRIES = 2;
export const SPMR_EXPIRY_MS = 25;
export const PEER_EXPIRY_MS = 300_000;
/** OpenPGM's limit on sequence numbers in one NAK: the fixed one plus 62 in OPT_NAK_LIST. */
export const NAK_LIST_MAX = 63;

/** Sources one receiver follows at once; packets of further sessions are dropped until one expires. */
export const MAX_PEERS = 64;

/**
 * Packets a window holds, as OpenPGM sizes it: rate (ZMQ_RATE, kbit/s) times the recovery interval
 * (ZMQ_RECOVERY_IVL, ms) in bytes, over the TPDU size. Bounded so that memory stays within ~64 MiB.
 */
export function windowPackets(rateKbit: number, recoveryMs: number, maxTpdu: number): number {
  const bytes = ((rateKbit * 1000) / 8) * (recoveryMs / 1000);
  const packets = Math.floor(bytes / maxTpdu);
  return Math.max(16, Math.min(packets, Math.floor((64 * 1024 * 1024) / maxTpdu)));
}
