// Bounds on what a capture file may claim, so a corrupt length can never make a reader buffer
// the whole file. Same order as Wireshark's (WTAP_MAX_PACKET_SIZE_STANDARD is 256 KiB).

/** Largest captured length accepted for one packet. */
export const MAX_CAPLEN = 256 * 1024;
/** Largest pcapng block we buffer; bigger blocks of unknown type are skipped without buffering. */
export const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;
