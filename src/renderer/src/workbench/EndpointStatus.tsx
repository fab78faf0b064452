// An endpoint's state in plain words (connecting, retrying and why, handshaking, connected to N peers,
// handshake failed and why), as the host derived it from the engine's monitor events.
import type { EndpointInfo } from '../../../../core/host/protocol.js';
import { describeStatus, type EndpointPhase } from '../../../../core/host/endpoint-state.js';
import { fmtTime } from '../format.js';
import { Badge } from '../ui/common.js';

const TONE: Record<EndpointPhase, 'green' | 'amber' | 'red' | 'sky' | 'slate' | 'violet'> = {
  listening: 'violet',
  connecting: 'slate',
  retrying: 'amber',
  handshaking: 'sky',
  connected: 'green',
  'handshake-failed': 'red',
  multicast: 'sky',
};

export function EndpointStatus({ endpoint }: { endpoint: EndpointInfo }) {
  const s = endpoint.status;
  if (!s) return null;
  return (
    <span className="flex min-w-0 items-center gap-1 text-xs" data-testid="endpoint-status" data-phase={s.phase}>
      <Badge tone={TONE[s.phase]}>{s.phase.replace('-', ' ')}</Badge>
      <span className="min-w-0 break-words text-slate-600 dark:text-slate-300">{describeStatus(s, fmtTime)}</span>
    </span>
  );
}
