// Capture: open pcap/pcapng files (dialog, drag-and-drop, upload in the browser, the server's captures folder), live captures,
// connections, the record table with filters, record detail, conversation view and rate chart.
import { memo, useEffect, useEffectEvent, useRef, useState } from 'react';
import type { AppClient } from '../client.js';
import type { CaptureFilter, CaptureSummary, ConnectionSummary, RateSeries } from '../../../../core/host/protocol.js';
import { fmtBytes } from '../format.js';
import { addIfMissing, useStore } from '../store.js';
import { Badge, Button, Card, Empty, ErrorText, Input, Select, errorMessage, useIsDark } from '../ui/common.js';
import { Conversation } from './Conversation.js';
import { ExportStatus } from './ExportStatus.js';
import { MessageTable } from './MessageTable.js';
import { RateChart } from './RateChart.js';
import { RecordDetail } from './RecordDetail.js';
import { ServerCaptures } from './ServerCaptures.js';
import { useThrottled } from './throttle.js';

/** An error line under the toolbar (never inside it, where it would push the controls onto new rows), with a dismiss button. */
function Dismissible({ error, testId, onDismiss }: { error: string | null; testId: string; onDismiss: () => void }) {
  if (!error) return null;
  return (
    <div className="flex items-start gap-1">
      <div className="min-w-0 flex-1">
        <ErrorText error={error} testId={testId} />
      </div>
      <Button variant="ghost" className="mt-2" aria-label="Dismiss error" onClick={onDismiss}>
        ✕
      </Button>
    </div>
  );
}

/** Interface, filter and Start; errors go to the view's error line through onError. */
function LiveControls({
  client,
  onStarted,
  onError,
}: {
  client: AppClient;
  onStarted: (c: CaptureSummary) => void;
  onError: (error: string | null) => void;
}) {
  const [ifaces, setIfaces] = useState<{ name: string; description?: string }[]>([]);
  const [iface, setIface] = useState('lo');
  const [filter, setFilter] = useState('tcp');
  const failed = useEffectEvent((e: unknown) => onError(errorMessage(e)));
  useEffect(() => {
    client.request('capture.interfaces').then(
      (l) => {
        setIfaces(l);
        if (l.length && !l.some((i) => i.name === 'lo')) setIface(l[0].name);
      },
      (e) => failed(e),
    );
  }, [client]);
  const start = async () => {
    onError(null);
    try {
      onStarted(await client.request('capture.startLive', { interface: iface, filter }));
    } catch (e) {
      onError(`Cannot start the live capture: ${errorMessage(e)}`);
    }
  };
  return (
    <form
      className="flex items-center gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <Select aria-label="Interface" value={iface} onChange={(e) => setIface(e.target.value)}>
        {ifaces.length === 0 && <option value={iface}>{iface}</option>}
        {ifaces.map((i) => (
          <option key={i.name} value={i.name}>
            {i.name}
            {i.description ? ` — ${i.description}` : ''}
          </option>
        ))}
      </Select>
      <Input
        aria-label="Capture filter"
        className="mono w-56"
        placeholder="BPF filter, e.g. tcp port 5555"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      <Button type="submit" variant="primary">
        ● Start live capture
      </Button>
    </form>
  );
}

/** Memoised: the capture's summary changes several times a second while it loads, this list only when refetched. */
const Connections = memo(function Connections({
  conns,
  selected,
  onSelect,
}: {
  conns: ConnectionSummary[];
  selected: number | undefined;
  onSelect: (c: number | undefined) => void;
}) {
  if (conns.length === 0) return <p className="text-xs text-slate-500">No ZMTP connections or PGM sessions found yet.</p>;
  return (
    <div className="max-h-48 overflow-auto">
      <table className="w-full text-left text-xs" data-testid="connections">
        <thead className="text-slate-500">
          <tr>
            <th className="px-1">#</th>
            <th>client</th>
            <th>server</th>
            <th>ZMTP</th>
            <th>mech</th>
            <th>types</th>
            <th>identities</th>
            <th>msgs</th>
            <th>cmds</th>
            <th>bytes</th>
            <th>state</th>
          </tr>
        </thead>
        <tbody>
          {conns.map((c) => (
            <tr
              key={c.conn}
              onClick={() => onSelect(selected === c.conn ? undefined : c.conn)}
              data-pgm={c.pgm ? c.pgm.tsi : undefined}
              className={`mono cursor-pointer ${selected === c.conn ? 'bg-sky-100 dark:bg-sky-900/60' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
            >
              <td className="px-1">{c.conn}</td>
              <td>{c.client}</td>
              <td>{c.server}</td>
              <td>{c.version ?? '?'}</td>
              {c.pgm ? (
                <PgmCells pgm={c.pgm} />
              ) : (
                <>
                  <td>{c.mechanism ?? ''}</td>
                  <td>
                    {c.clientType ?? '?'} → {c.serverType ?? '?'}
                  </td>
                  <td>{[c.clientIdentity, c.serverIdentity].filter(Boolean).join(' / ')}</td>
                </>
              )}
              <td>{c.messages}</td>
              <td>{c.pgm ? `${c.pgm.packets} pkts` : c.commands}</td>
              <td>{fmtBytes(c.bytes)}</td>
              <td className="space-x-1">
                {c.errors ? (
                  <Badge tone="red">{c.errors} errors</Badge>
                ) : (
                  <Badge tone={c.state === 'open' ? 'green' : 'slate'}>{c.state}</Badge>
                )}
                {c.missingBytes > 0 && (
                  <Badge tone="amber" testId="not-captured">
                    {fmtBytes(c.missingBytes)} not captured
                  </Badge>
                )}
                {c.websocket && <Badge tone="sky">ZWS {c.websocket.path ?? ''}</Badge>}
                {c.pgm && c.pgm.lost > 0 && <Badge tone="red">{c.pgm.lost} lost</Badge>}
                {c.pgm && c.pgm.repaired > 0 && <Badge tone="amber">{c.pgm.repaired} repaired</Badge>}
                {c.pgm && c.pgm.duplicates > 0 && <Badge tone="slate">{c.pgm.duplicates} dup</Badge>}
                {c.pgm && c.pgm.naks > 0 && <Badge tone="amber">{c.pgm.naks} NAKed</Badge>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});

/** The mechanism / types / identities cells of a PGM session: its transport, that it is multicast, its TSI. */
function PgmCells({ pgm }: { pgm: NonNullable<ConnectionSummary['pgm']> }) {
  return (
    <>
      <td>
        <Badge tone="sky">{pgm.transport.toUpperCase()}</Badge>
      </td>
      <td>multicast</td>
      <td title="transport session id: GSI.source-port">TSI {pgm.tsi}</td>
    </>
  );
}

/**
 * How far the decoding is: bytes the decoder has read of the file's size, and the packets so far. The bar
 * is scaled on the compositor with no transition: an animated width would lay out and paint the page at
 * every frame for as long as the capture loads.
 */
function DecodeProgress({ capture }: { capture: CaptureSummary }) {
  const percent = Math.floor(capture.progress * 100);
  const bytes =
    capture.bytesRead === undefined
      ? ''
      : capture.totalBytes
        ? `${fmtBytes(capture.bytesRead)} of ${fmtBytes(capture.totalBytes)} (${percent}%)`
        : fmtBytes(capture.bytesRead);
  return (
    <div className="flex items-center gap-2 text-xs text-slate-500" data-testid="decode-progress">
      <div
        className="h-2 flex-1 overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
        role="progressbar"
        aria-label="Decoding"
        aria-valuenow={percent}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div className="h-full origin-left bg-sky-600" style={{ transform: `scaleX(${capture.progress})` }} />
      </div>
      <span className="mono whitespace-nowrap">
        Decoding {bytes}
        {bytes ? ' · ' : ''}
        {capture.packets.toLocaleString()} packets
      </span>
    </div>
  );
}

function Session({ client, capture }: { client: AppClient; capture: CaptureSummary }) {
  const [conns, setConns] = useState<ConnectionSummary[]>([]);
  const [filter, setFilter] = useState<CaptureFilter>({});
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<number | null>(null);
  const [pane, setPane] = useState<'detail' | 'conversation' | 'rate'>('detail');
  const [rate, setRate] = useState<RateSeries>({ t: [], c2s: [], s2c: [], bucketSeconds: 1 });
  const [error, setError] = useState<string | null>(null);
  const dark = useIsDark();
  const version = capture.records;
  // What costs the host a walk over every record or connection, and the page a big redraw, follows the
  // decoding at most once a second; a new connection, or the end of loading, at once.
  const loading = capture.state === 'loading' || capture.state === 'capturing';
  const slowVersion = useThrottled(`${capture.state} ${capture.connections} ${version}`, loading ? 1000 : 0);
  const rateVersion = useThrottled(`${capture.state} ${version}`, loading ? 1000 : 0);

  useEffect(() => {
    client.request('capture.connections', { id: capture.id }).then(setConns, (e) => setError(errorMessage(e)));
  }, [client, capture.id, slowVersion]);
  // Asked again when the filter's content changes (a new filter object with the same fields is no change).
  const filterKey = JSON.stringify(filter);
  const fetchRate = useEffectEvent(() =>
    client.request('capture.rate', { id: capture.id, buckets: 200, filter }).then(setRate, (e) => setError(errorMessage(e))),
  );
  useEffect(() => {
    if (pane === 'rate') void fetchRate();
  }, [client, capture.id, pane, rateVersion, filterKey]);
  // Debounced search so typing doesn't query on every key.
  useEffect(() => {
    const t = setTimeout(() => setFilter((f) => ({ ...f, search: search || undefined })), 250);
    return () => clearTimeout(t);
  }, [search]);

  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // '/' jumps to the search box from anywhere in the capture view (unless typing somewhere).
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key === '/' && !(t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) && searchRef.current?.offsetParent) {
        e.preventDefault();
        searchRef.current.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  // One export at a time per capture, and none of a capture that failed to open (it has nothing true to export).
  const exportBlocked =
    capture.state === 'failed' ? 'this capture failed to open' : capture.export?.state === 'running' ? 'an export is running' : null;
  const canExport = exportBlocked === null;
  const conn = conns.find((c) => c.conn === filter.conn) ?? null;
  const socketTypes = [...new Set(conns.flatMap((c) => [c.clientType, c.serverType]).filter((x): x is string => !!x))];
  const hasPgm = conns.some((c) => c.pgm);

  return (
    <div className="flex h-full min-h-0 flex-col gap-2" data-testid={`capture-${capture.id}`}>
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="font-semibold">{capture.name}</h2>
        <Badge
          tone={
            capture.state === 'failed' ? 'red' : capture.state === 'capturing' ? 'amber' : capture.state === 'loading' ? 'sky' : 'green'
          }
          testId="capture-state"
        >
          {capture.state}
        </Badge>
        <span className="text-xs text-slate-500" data-testid="capture-stats">
          {capture.packets.toLocaleString()} packets · {capture.connections} connections · {capture.messages.toLocaleString()} messages ·{' '}
          {capture.records.toLocaleString()} records
        </span>
        <div className="ml-auto flex gap-1">
          {capture.state === 'capturing' && (
            <Button variant="danger" onClick={() => void run(() => client.request('capture.stop', { id: capture.id }))}>
              ■ Stop
            </Button>
          )}
          <Button disabled={!capture.canSave || capture.state === 'capturing'} onClick={() => void run(() => client.saveCapture(capture))}>
            Save capture
          </Button>
          <Button
            disabled={!canExport}
            title={exportBlocked ?? undefined}
            onClick={() => void run(() => client.exportCapture(capture, 'jsonl', filter))}
          >
            Export JSONL
          </Button>
          <Button
            disabled={!canExport}
            title={exportBlocked ?? undefined}
            onClick={() => void run(() => client.exportCapture(capture, 'csv', filter))}
          >
            Export CSV
          </Button>
          <Button variant="ghost" onClick={() => void run(() => client.request('capture.close', { id: capture.id }))}>
            Close
          </Button>
        </div>
      </div>
      {capture.state === 'loading' && <DecodeProgress capture={capture} />}
      <ExportStatus client={client} capture={capture} onError={(e) => setError(errorMessage(e))} />
      <ErrorText error={capture.error ? `Capture failed: ${capture.error}` : null} testId="capture-error" />
      {capture.warnings.length > 0 && (
        <details className="text-xs text-amber-800 dark:text-amber-300">
          <summary>
            {capture.warnings.length} warning{capture.warnings.length === 1 ? '' : 's'} while reading
          </summary>
          <ul className="ml-4 list-disc">
            {capture.warnings.slice(0, 50).map((w, i) => (
              <li key={i} data-testid="capture-warning">
                <code title={`${w.severity}: see README, Problem codes`}>{w.code}</code> {w.message}
              </li>
            ))}
          </ul>
        </details>
      )}
      <Dismissible error={error} testId="capture-action-error" onDismiss={() => setError(null)} />
      <Card title={`Connections (${conns.length})`}>
        <Connections conns={conns} selected={filter.conn} onSelect={(c) => setFilter({ ...filter, conn: c })} />
      </Card>
      <div className="flex flex-wrap items-center gap-2 text-sm" role="search">
        <Input
          ref={searchRef}
          aria-label="Search"
          title="Press / to search"
          className="w-64"
          placeholder={filter.searchHex ? 'hex bytes, e.g. 48 65 6c' : 'search text in frames  ( / )'}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <label className="flex items-center gap-1 text-xs">
          <input
            type="checkbox"
            aria-label="Search as hex"
            checked={!!filter.searchHex}
            onChange={(e) => setFilter({ ...filter, searchHex: e.target.checked || undefined })}
          />{' '}
          hex
        </label>
        <Select
          aria-label="Direction"
          value={filter.dir ?? ''}
          onChange={(e) => setFilter({ ...filter, dir: (e.target.value || undefined) as CaptureFilter['dir'] })}
        >
          <option value="">both directions</option>
          <option value="c2s">client → server</option>
          <option value="s2c">server → client</option>
        </Select>
        <Select
          aria-label="Record kind"
          value={filter.kind ?? ''}
          onChange={(e) => setFilter({ ...filter, kind: (e.target.value || undefined) as CaptureFilter['kind'] })}
        >
          <option value="">all records</option>
          <option value="message">messages</option>
          <option value="command">commands</option>
          <option value="greeting">greetings</option>
          <option value="upgrade">WebSocket upgrades</option>
          <option value="error">errors</option>
          {hasPgm && (
            <>
              <option value="pgm">PGM packets</option>
              <option value="loss">PGM losses</option>
            </>
          )}
        </Select>
        {hasPgm && (
          <Select
            aria-label="Transport"
            value={filter.transport ?? ''}
            onChange={(e) => setFilter({ ...filter, transport: (e.target.value || undefined) as CaptureFilter['transport'] })}
          >
            <option value="">TCP and PGM</option>
            <option value="tcp">TCP connections</option>
            <option value="pgm">PGM sessions</option>
          </Select>
        )}
        <Select
          aria-label="Socket type"
          value={filter.socketType ?? ''}
          onChange={(e) => setFilter({ ...filter, socketType: e.target.value || undefined })}
        >
          <option value="">any socket type</option>
          {socketTypes.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </Select>
        {filter.conn !== undefined && (
          <Badge tone="sky">
            connection {filter.conn}{' '}
            <button className="ml-1" aria-label="Clear connection filter" onClick={() => setFilter({ ...filter, conn: undefined })}>
              ✕
            </button>
          </Badge>
        )}
      </div>
      <div className="grid min-h-0 flex-1 grid-cols-1 gap-2 lg:grid-cols-[3fr_2fr]">
        <div className="flex min-h-64 flex-col rounded-lg border border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900">
          <MessageTable
            client={client}
            captureId={capture.id}
            filter={filter}
            version={version}
            selected={selected}
            onSelect={setSelected}
          />
        </div>
        <div className="flex min-h-64 flex-col overflow-auto rounded-lg border border-slate-200 bg-white p-2 dark:border-slate-700 dark:bg-slate-900">
          <div className="mb-2 flex gap-1" role="tablist">
            {(['detail', 'conversation', 'rate'] as const).map((p) => (
              <Button key={p} role="tab" aria-selected={pane === p} variant={pane === p ? 'primary' : 'ghost'} onClick={() => setPane(p)}>
                {p === 'detail' ? 'Detail' : p === 'conversation' ? 'Conversation' : 'Rate'}
              </Button>
            ))}
          </div>
          {pane === 'detail' && <RecordDetail client={client} captureId={capture.id} index={selected} />}
          {pane === 'conversation' && (
            <Conversation
              client={client}
              captureId={capture.id}
              conn={conn}
              version={slowVersion}
              onPick={(i) => {
                setSelected(i);
                setPane('detail');
              }}
            />
          )}
          {pane === 'rate' && <RateChart series={rate} dark={dark} />}
        </div>
      </div>
    </div>
  );
}

export function CaptureView({ client }: { client: AppClient }) {
  const order = useStore((s) => s.captureOrder);
  const captures = useStore((s) => s.captures);
  const [current, setCurrent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [liveError, setLiveError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  // No capture shown, or it was closed: show the newest, in this render (set only when it differs, so it settles).
  if (!current || !captures[current]) {
    const fallback = order[order.length - 1] ?? null;
    if (fallback !== current) setCurrent(fallback);
  }

  const opened = (c: CaptureSummary | null) => {
    if (c) {
      addIfMissing(c);
      setCurrent(c.id);
      setError(null);
      setLiveError(null);
    }
  };
  const [upload, setUpload] = useState<{ name: string; fraction: number } | null>(null);
  // The host decodes an upload as it arrives: its capture appears (by event) long before the upload's
  // reply, and is shown at once. The captures that existed before the upload began are not it.
  const before = useRef<Set<string> | null>(null);
  const [uploaded, setUploaded] = useState<string | null>(null);
  useEffect(() => {
    if (!before.current) return;
    const id = order.find((x) => !before.current!.has(x) && captures[x]?.source === 'file');
    if (id) {
      before.current = null;
      setUploaded(id);
      setCurrent(id);
    }
  }, [order, captures]);
  const openFile = async (file: File) => {
    setError(null);
    before.current = new Set(order);
    setUploaded(null);
    setUpload({ name: file.name, fraction: 0 });
    try {
      // Until its capture shows (then the decoding's own progress does), in whole percents.
      const onUpload = (fraction: number) => {
        if (before.current)
          setUpload((u) => (u && Math.floor(u.fraction * 100) === Math.floor(fraction * 100) ? u : { name: file.name, fraction }));
      };
      opened(await client.openCaptureFile(file, onUpload));
    } catch (e) {
      setError(`Cannot open ${file.name}: ${errorMessage(e)}`);
    } finally {
      before.current = null;
      setUpload(null);
    }
  };
  const pick = async () => {
    setError(null);
    if (client.openCaptureDialog) {
      try {
        opened(await client.openCaptureDialog());
      } catch (e) {
        setError(errorMessage(e));
      }
    } else fileInput.current?.click();
  };

  const openOnServer = async (name: string) => {
    setError(null);
    try {
      opened(await client.openServerCapture!(name));
    } catch (e) {
      setError(`Cannot open ${name}: ${errorMessage(e)}`);
    }
  };

  const cap = current ? captures[current] : undefined;
  return (
    <div
      className={`flex h-full min-h-0 flex-col gap-2 p-3 ${dragging ? 'outline-2 outline-dashed outline-sky-500' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const f = e.dataTransfer.files[0];
        if (f) void openFile(f);
      }}
    >
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="primary" onClick={() => void pick()}>
          Open capture…
        </Button>
        <ServerCaptures client={client} onChoose={(name) => void openOnServer(name)} onError={setError} />
        <input
          ref={fileInput}
          type="file"
          aria-label="Capture file"
          accept=".pcap,.pcapng,.cap"
          className="hidden"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void openFile(f);
            e.target.value = '';
          }}
        />
        <LiveControls client={client} onStarted={opened} onError={setLiveError} />
        <Button
          title="Decode what the workbench's own sockets send and receive (no pcap needed)"
          onClick={() => {
            setError(null);
            client.request('capture.watchWorkbench', {}).then(opened, (e) => setError(errorMessage(e)));
          }}
        >
          ◉ Watch workbench sockets
        </Button>
        <nav className="ml-auto flex flex-wrap gap-1" aria-label="Captures">
          {order.map(
            (id) =>
              captures[id] && (
                <Button key={id} variant={id === current ? 'primary' : 'secondary'} onClick={() => setCurrent(id)}>
                  {captures[id].name}
                </Button>
              ),
          )}
        </nav>
      </div>
      {upload && !uploaded && (
        <div className="flex items-center gap-2 text-xs text-slate-500" data-testid="upload-progress">
          <span>Uploading {upload.name}…</span>
          <div
            className="h-2 w-64 overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
            role="progressbar"
            aria-label="Upload"
            aria-valuenow={Math.round(upload.fraction * 100)}
            aria-valuemin={0}
            aria-valuemax={100}
          >
            <div className="h-full bg-sky-600" style={{ width: `${upload.fraction * 100}%` }} />
          </div>
        </div>
      )}
      <Dismissible error={error} testId="open-error" onDismiss={() => setError(null)} />
      <Dismissible error={liveError} testId="live-error" onDismiss={() => setLiveError(null)} />
      {cap ? (
        <Session key={cap.id} client={client} capture={cap} />
      ) : (
        <Empty title="No capture open">
          <p>
            Open a .pcap or .pcapng file (or drop it here), start a live capture on an interface, or watch the workbench's own sockets to
            decode ZeroMQ traffic.
          </p>
          <p className="text-xs">Live capture needs permission to capture (root, or dumpcap's capabilities).</p>
        </Empty>
      )}
    </div>
  );
}
