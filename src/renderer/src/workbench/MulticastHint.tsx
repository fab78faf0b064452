// PUB/XPUB/SUB/XSUB can also use epgm:// (PGM multicast inside UDP, as libzmq's OpenPGM speaks it): its
// endpoint has a form of its own, so say what it is and offer one to start from.
import { Button } from '../ui/common.js';

const PGM_TYPES = new Set(['PUB', 'XPUB', 'SUB', 'XSUB']);
/** Loopback and a group from the organisation-local range: works on one machine without a network. */
export const EPGM_EXAMPLE = 'epgm://127.0.0.1;239.192.1.1:5555';

export function MulticastHint({ type, onUse }: { type: string; onUse: (endpoint: string) => void }) {
  if (!PGM_TYPES.has(type)) return null;
  return (
    <p className="mt-2 flex flex-wrap items-center gap-2 text-xs text-slate-500" data-testid="epgm-hint">
      <span>
        Multicast: <span className="mono">epgm://INTERFACE;GROUP:PORT</span> (INTERFACE an address or name such as eth0, GROUP 224.0.0.0 to
        239.255.255.255; Bind and Connect mean the same). pgm:// needs raw sockets and is not available.
      </span>
      <Button variant="ghost" onClick={() => onUse(EPGM_EXAMPLE)}>
        Use {EPGM_EXAMPLE}
      </Button>
    </p>
  );
}
