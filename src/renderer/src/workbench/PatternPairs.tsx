// One click, two sockets already talking: the binding side on a free port, the other connected to it.
import { useState } from 'react';
import type { AppClient } from '../client.js';
import type { SocketInfo } from '../../../../core/host/protocol.js';
import { getState } from '../store.js';
import { Button, Card, ErrorText, errorMessage } from '../ui/common.js';
import { PATTERN_PAIRS, type PatternPair } from './patterns.js';

/** `name`, or `name-2`, `name-3`... whichever no workbench socket has yet. */
function freeName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export function PatternPairs({ client, onCreated }: { client: AppClient; onCreated: (s: SocketInfo) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  const create = async (pair: PatternPair) => {
    setError(null);
    setDone(null);
    setBusy(true);
    const taken = new Set(Object.values(getState().sockets).map((s) => s.name));
    const binderName = freeName(pair.binder.name, taken);
    taken.add(binderName);
    const connecterName = freeName(pair.connecter.name, taken);
    try {
      const binder = await client.request('socket.create', {
        type: pair.binder.type,
        name: binderName,
        options: pair.binder.options ?? {},
      });
      const bound = await client.request('socket.bind', { id: binder.id, endpoint: pair.bindEndpoint });
      const endpoint = bound.endpoints[bound.endpoints.length - 1].endpoint;
      const connecter = await client.request('socket.create', {
        type: pair.connecter.type,
        name: connecterName,
        options: pair.connecter.options ?? {},
      });
      const connected = await client.request('socket.connect', { id: connecter.id, endpoint });
      onCreated(bound);
      onCreated(connected);
      setDone(`${binderName} bound to ${endpoint}, ${connecterName} connected. ${pair.hint}`);
    } catch (err) {
      setError(`${pair.label}: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Pattern pairs" className="mb-3 max-w-3xl">
      <p className="mb-2 text-xs text-slate-500">Two sockets of a pattern, created and already connected on a free port.</p>
      <div className="flex flex-wrap gap-2" data-testid="pattern-pairs">
        {PATTERN_PAIRS.map((p) => (
          <Button key={p.label} disabled={busy} onClick={() => void create(p)}>
            {p.label}
          </Button>
        ))}
      </div>
      {done && (
        <p className="mt-2 text-xs text-emerald-700 dark:text-emerald-400" data-testid="pattern-done">
          {done}
        </p>
      )}
      <ErrorText error={error} testId="pattern-error" />
    </Card>
  );
}
