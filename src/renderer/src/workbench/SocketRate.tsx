// A socket's messages per second over the last minute (the host counts every message; see
// core/host/rate-history.ts). Asked for once a second while the socket is shown: a hidden view's effects
// are disconnected, so sockets not on screen cost nothing.
import { useEffect, useMemo, useState } from 'react';
import type { AppClient } from '../client.js';
import type { SocketRateSeries } from '../../../../core/host/protocol.js';
import { Card, useIsDark } from '../ui/common.js';
import { RateChart, rateLabel } from '../ui/RateChart.js';

const POLL_MS = 1000;

export function SocketRate({ client, id }: { client: AppClient; id: string }) {
  const [series, setSeries] = useState<SocketRateSeries | null>(null);
  const dark = useIsDark();
  useEffect(() => {
    let live = true;
    const ask = () =>
      client.request('socket.rates', { id }).then(
        (s) => live && setSeries(s),
        () => undefined,
      );
    void ask();
    const timer = setInterval(ask, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, id]);

  // Whole seconds only: the current one is still counting and would show as a dip at the end.
  const whole = useMemo(() => series && { t: series.t.slice(0, -1), in: series.in.slice(0, -1), out: series.out.slice(0, -1) }, [series]);
  const lines = useMemo(
    () =>
      whole
        ? [
            { label: 'received /s', values: whole.in, stroke: '#059669', fill: 'rgba(5,150,105,0.15)' },
            { label: 'sent /s', values: whole.out, stroke: '#0284c7', fill: 'rgba(2,132,199,0.15)' },
          ]
        : [],
    [whole],
  );
  if (!series || !whole) return null;
  const any = series.in.some((x) => x > 0) || series.out.some((x) => x > 0);
  const last = (v: number[]) => v[v.length - 1] ?? 0;
  const summary =
    `last second ${rateLabel(last(whole.in))}/s received, ${rateLabel(last(whole.out))}/s sent; ` +
    `peak over the last minute ${rateLabel(Math.max(0, ...whole.in))}/s received, ${rateLabel(Math.max(0, ...whole.out))}/s sent`;
  return (
    <Card title="Messages per second (last minute)">
      {any ? (
        <RateChart t={whole.t} lines={lines} dark={dark} height={120} testId="socket-rate-chart" summary={summary} />
      ) : (
        <p className="text-xs text-slate-500" data-testid="socket-rate-none">
          No messages in the last minute.
        </p>
      )}
    </Card>
  );
}
