// The virtualized record table: only visible rows exist in the DOM, and rows are fetched from the host
// in pages as they scroll into view, so a multi-million-record capture stays smooth. Rows have one fixed
// height, so the window of rows follows from the scroll position alone (row-window.ts, which also keeps
// the content below the browsers' maximum element height).
import { useCallback, useEffect, useEffectEvent, useLayoutEffect, useRef, useState } from 'react';
import type { AppClient } from '../client.js';
import type { CaptureFilter, RecordRow } from '../../../../core/host/protocol.js';
import { clockTime, seconds } from './time.js';
import { Empty, ErrorText, errorMessage } from '../ui/common.js';
import { rowWindow, scrollTopFor } from './row-window.js';

const PAGE = 200;
const ROW_HEIGHT = 26;
const OVERSCAN = 20;
/** Pages kept when out of view (scrolling back a little needs no request). */
const KEEP_PAGES = 6;
const NO_PAGES: ReadonlyMap<number, RecordRow[]> = new Map();
/** #, time, since start, delta, connection and direction, from, type, summary. */
const COLUMNS = 'grid-cols-[3.5rem_7rem_5rem_5rem_3.5rem_9.5rem_4.5rem_1fr] gap-1.5';
const TYPE_COLORS: Record<string, string> = {
  message: 'text-slate-900 dark:text-slate-100',
  command: 'text-violet-700 dark:text-violet-300',
  greeting: 'text-sky-700 dark:text-sky-300',
  upgrade: 'text-sky-700 dark:text-sky-300',
  error: 'text-red-700 dark:text-red-300',
  gap: 'text-amber-700 dark:text-amber-300',
  open: 'text-slate-500',
  close: 'text-slate-500',
};
/** An error row's code badge, by the problem's severity (error / warning / note, as Wireshark's expert info). */
const SEVERITY_TONES: Record<string, string> = {
  error: 'bg-red-100 text-red-800 dark:bg-red-900/60 dark:text-red-200',
  warning: 'bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200',
  note: 'bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200',
};

export function MessageTable({
  client,
  captureId,
  filter,
  version,
  selected,
  onSelect,
}: {
  client: AppClient;
  captureId: string;
  filter: CaptureFilter;
  version: number;
  selected: number | null;
  onSelect: (index: number) => void;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const [counted, setCounted] = useState(0);
  // The pages fetched, with the query they answer: rows of an earlier filter are never shown under a new one.
  const filterKey = JSON.stringify(filter);
  const queryKey = `${captureId} ${filterKey}`;
  const [fetched, setFetched] = useState<{ key: string; pages: Map<number, RecordRow[]> }>({ key: queryKey, pages: new Map() });
  const pages = fetched.key === queryKey ? fetched.pages : NO_PAGES;
  const [error, setError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const loading = useRef(new Set<number>());
  // Asked from effects with the props of the latest render; `isCurrent` tells an answer to the query now
  // shown from one that arrived after the filter changed (dropped).
  const query = useEffectEvent((offset: number, limit: number) =>
    client.request('capture.query', { id: captureId, filter, offset, limit }),
  );
  const isCurrent = useEffectEvent((key: string) => key === queryKey);

  // A new filter starts over.
  useEffect(() => {
    let live = true;
    loading.current.clear();
    loading.current.add(0);
    query(0, PAGE).then(
      (p) => {
        loading.current.delete(0);
        if (!live) return;
        setCounted(p.total);
        setFetched({ key: queryKey, pages: new Map([[0, p.items]]) });
        setError(null);
      },
      (e) => {
        loading.current.delete(0);
        if (live) setError(errorMessage(e));
      },
    );
    return () => {
      live = false;
    };
  }, [client, queryKey]);
  // New records (loading, live) only append: the total grows, and the rows in view are fetched below if
  // they are new. Without a filter the capture's own count is the total; with one, the host counts.
  const unfiltered = Object.values(filter).every((v) => v === undefined || v === '' || v === 'all' || v === false);
  const total = unfiltered ? Math.max(counted, version) : counted;
  useEffect(() => {
    if (unfiltered) return;
    let live = true;
    query(0, 0).then(
      (p) => {
        if (live && isCurrent(queryKey)) setCounted((t) => Math.max(t, p.total));
      },
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [version, unfiltered, queryKey]);

  // The scroll position and viewport height decide which rows exist.
  const [scroll, setScroll] = useState({ top: 0, viewport: 0 });
  const measure = useCallback(() => {
    const el = parent.current;
    if (el)
      setScroll((old) =>
        old.top === el.scrollTop && old.viewport === el.clientHeight ? old : { top: el.scrollTop, viewport: el.clientHeight },
      );
  }, []);
  // The scrolling element exists only while there are rows (otherwise the empty notice is shown).
  const hasRows = total > 0;
  useLayoutEffect(() => {
    const el = parent.current;
    if (!el) return;
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasRows, measure]);
  const geometry = { total, rowHeight: ROW_HEIGHT, viewport: scroll.viewport || 600 };
  const win = rowWindow(geometry, scroll.top, OVERSCAN);
  const indexes: number[] = [];
  for (let i = win.first; i <= win.last; i++) indexes.push(i);
  const scrollToIndex = (index: number, align: 'start' | 'end' | 'nearest') => {
    const el = parent.current;
    if (!el) return;
    el.scrollTop = scrollTopFor(geometry, index, align, el.scrollTop);
    measure();
  };

  // Follow new records while the view is scrolled to the bottom (live captures).
  const atBottom = useRef(true);
  // (The scroll position as last measured: reading el.scrollTop here would lay the page out at every update.)
  const followNewRecords = useEffectEvent(() => {
    if (atBottom.current && total > 0 && scroll.top > 0) scrollToIndex(total - 1, 'end');
  });
  useEffect(() => followNewRecords(), [total]);

  // Only the pages in view are asked for: missing ones, and the last one while records are still being
  // added to it. Pages out of view are dropped, so the page holds a few hundred rows at most.
  const wantedRef = useRef(new Set<number>());
  useEffect(() => {
    const wanted = new Set(indexes.map((i) => Math.floor(i / PAGE)));
    wantedRef.current = wanted;
    for (const page of wanted) {
      const have = pages.get(page);
      if ((have && (have.length === PAGE || page * PAGE + have.length >= total)) || loading.current.has(page)) continue;
      loading.current.add(page);
      const asked = queryKey;
      query(page * PAGE, PAGE).then(
        (p) => {
          loading.current.delete(page);
          if (!isCurrent(asked)) return;
          setFetched((old) => {
            const next = new Map(old.key === asked ? old.pages : NO_PAGES).set(page, p.items);
            for (const k of next.keys()) if (next.size > KEEP_PAGES && !wantedRef.current.has(k)) next.delete(k);
            return { key: asked, pages: next };
          });
        },
        (e) => {
          loading.current.delete(page);
          setError(errorMessage(e));
        },
      );
    }
  });

  const rowAt = (i: number) => pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  const pick = (pos: number) => {
    const clamped = Math.max(0, Math.min(total - 1, pos));
    setCursor(clamped);
    scrollToIndex(clamped, 'nearest');
    const row = rowAt(clamped);
    if (row) onSelect(row.index);
    else pendingSelect.current = clamped;
  };
  // A keyboard jump to a row not fetched yet selects it once its page arrives.
  const pendingSelect = useRef<number | null>(null);
  const selectPending = useEffectEvent(() => {
    if (pendingSelect.current === null) return;
    const row = rowAt(pendingSelect.current);
    if (row) {
      pendingSelect.current = null;
      onSelect(row.index);
    }
  });
  useEffect(() => selectPending(), [pages]);

  if (error) return <ErrorText error={error} />;
  if (total === 0) return <Empty title="No records match">Clear the filters, or wait for traffic if this is a live capture.</Empty>;
  return (
    <div className="flex min-h-0 flex-1 flex-col text-xs">
      <div
        className={`mono grid ${COLUMNS} border-b border-slate-200 px-2 py-1 font-semibold text-slate-500 dark:border-slate-700`}
        data-testid="record-header"
      >
        <span>#</span>
        <span title="local time, to the microsecond">time</span>
        <span className="text-right" title="seconds since the capture's first record">
          since start
        </span>
        <span className="text-right" title="seconds since the row above (in this filtered list)">
          Δ previous
        </span>
        <span title="connection and direction">conn</span>
        <span>from</span>
        <span>type</span>
        <span>summary</span>
      </div>
      <div
        ref={parent}
        tabIndex={0}
        role="grid"
        aria-label="Records"
        aria-rowcount={total}
        data-testid="record-table"
        className="min-h-0 flex-1 overflow-auto outline-none"
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
          measure();
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            pick((cursor ?? -1) + 1);
          }
          if (e.key === 'ArrowUp') {
            e.preventDefault();
            pick((cursor ?? 1) - 1);
          }
          if (e.key === 'PageDown') {
            e.preventDefault();
            pick((cursor ?? 0) + 20);
          }
          if (e.key === 'PageUp') {
            e.preventDefault();
            pick((cursor ?? 0) - 20);
          }
          if (e.key === 'Home') {
            e.preventDefault();
            pick(0);
          }
          if (e.key === 'End') {
            e.preventDefault();
            pick(total - 1);
          }
        }}
      >
        <div style={{ height: win.height, position: 'relative' }}>
          {indexes.map((index) => {
            const row = rowAt(index);
            const isSel = row !== undefined && row.index === selected;
            return (
              <div
                key={index}
                role="row"
                data-testid="record-row"
                data-record={row?.index}
                onClick={() => {
                  setCursor(index);
                  if (row) onSelect(row.index);
                }}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${win.top(index)}px)`,
                }}
                className={`mono grid cursor-pointer ${COLUMNS} items-center px-2 ${isSel ? 'bg-sky-100 dark:bg-sky-900/60' : index % 2 ? 'bg-slate-50 dark:bg-slate-900/40' : ''} hover:bg-sky-50 dark:hover:bg-slate-800`}
              >
                {row ? (
                  <>
                    <span className="text-slate-500">{row.index}</span>
                    <span data-testid="row-time">{clockTime(row.ts)}</span>
                    <span data-testid="row-since-start" className="text-right">
                      {seconds(row.sinceStart)}
                    </span>
                    <span data-testid="row-delta" className="text-right text-slate-500">
                      {index === 0 ? '' : `${row.delta >= 0 ? '+' : ''}${seconds(row.delta)}`}
                    </span>
                    <span>
                      {row.conn}{' '}
                      <span className={row.dir === 'c2s' ? 'text-sky-700 dark:text-sky-300' : 'text-emerald-700 dark:text-emerald-300'}>
                        {row.dir === 'c2s' ? 'c→s' : 's→c'}
                      </span>
                    </span>
                    <span className="truncate" title={`${row.src} → ${row.dst}`}>
                      {row.src}
                      {row.socketType ? ` ${row.socketType}` : ''}
                    </span>
                    <span className={TYPE_COLORS[row.type] ?? ''}>{row.type}</span>
                    <span className="truncate" title={row.code ? `${row.code} (${row.severity}): ${row.summary}` : row.summary}>
                      {row.code && (
                        <span
                          data-testid="problem-code"
                          className={`mr-1 rounded px-1 text-[10px] ${SEVERITY_TONES[row.severity ?? 'error']}`}
                        >
                          {row.code}
                        </span>
                      )}
                      {row.summary}
                    </span>
                  </>
                ) : (
                  <span className="col-span-8 text-slate-400">…</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div className="border-t border-slate-200 px-2 py-1 text-slate-500 dark:border-slate-700" data-testid="record-total">
        {total.toLocaleString()} record{total === 1 ? '' : 's'}
      </div>
    </div>
  );
}
