// Messages per second over time, per direction (uPlot).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RateSeries } from '../../../../core/host/protocol.js';

/** Rates as short labels (12, 1.5k, 2M) so the Y axis stays narrow. */
function rateLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(a < 10 ? 2 : 0)}`;
}

export function RateChart({ series, dark }: { series: RateSeries; dark: boolean }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || series.t.length === 0) return;
    const perSec = (v: number[]) => v.map((x) => x / series.bucketSeconds);
    const axis = { stroke: dark ? '#cbd5e1' : '#334155', grid: { stroke: dark ? '#1e293b' : '#e2e8f0' } };
    const plot = new uPlot(
      {
        width: el.current.clientWidth || 600,
        height: 160,
        series: [
          {},
          { label: 'client → server /s', stroke: '#0284c7', fill: 'rgba(2,132,199,0.15)' },
          { label: 'server → client /s', stroke: '#059669', fill: 'rgba(5,150,105,0.15)' },
        ],
        axes: [axis, {
          ...axis,
          values: (_u: uPlot, splits: number[]) => splits.map(rateLabel),
          // Wide enough for the longest label (uPlot's fixed 50 px cut "10,000" to "0,000").
          size: (_u: uPlot, values: string[] | null) => 16 + 7 * Math.max(2, ...(values ?? []).map((v) => v.length)),
        }],
      },
      [series.t, perSec(series.c2s), perSec(series.s2c)],
      el.current,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: el.current?.clientWidth || 600, height: 160 }));
    ro.observe(el.current);
    return () => { ro.disconnect(); plot.destroy(); };
  }, [series, dark]);
  if (series.t.length === 0) return <p className="text-xs text-slate-500">No messages to chart yet.</p>;
  return (
    <div>
      <p className="mb-1 text-xs text-slate-500">Messages per second ({series.bucketSeconds >= 1 ? `${series.bucketSeconds} s` : `${Math.round(series.bucketSeconds * 1000)} ms`} buckets)</p>
      <div ref={el} data-testid="rate-chart" className="w-full" />
    </div>
  );
}
