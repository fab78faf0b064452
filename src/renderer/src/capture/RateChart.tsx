// A capture's messages per second over time, per direction (the shared chart in ui/RateChart.tsx).
import { useMemo } from 'react';
import type { RateSeries } from '../../../../core/host/protocol.js';
import { RateChart as Chart, rateLabel } from '../ui/RateChart.js';

export function RateChart({ series, dark }: { series: RateSeries; dark: boolean }) {
  const lines = useMemo(() => {
    const perSec = (v: number[]) => v.map((x) => x / series.bucketSeconds);
    return [
      { label: 'client → server /s', values: perSec(series.c2s), stroke: '#0284c7', fill: 'rgba(2,132,199,0.15)' },
      { label: 'server → client /s', values: perSec(series.s2c), stroke: '#059669', fill: 'rgba(5,150,105,0.15)' },
    ];
  }, [series]);
  if (series.t.length === 0) return <p className="text-xs text-slate-500">No messages to chart yet.</p>;
  const peak = Math.max(0, ...lines[0].values, ...lines[1].values);
  return (
    <div>
      <p className="mb-1 text-xs text-slate-500">
        Messages per second ({series.bucketSeconds >= 1 ? `${series.bucketSeconds} s` : `${Math.round(series.bucketSeconds * 1000)} ms`}{' '}
        buckets)
      </p>
      <Chart
        t={series.t}
        lines={lines}
        dark={dark}
        summary={`peak ${rateLabel(peak)} messages per second over ${series.t.length} buckets`}
      />
    </div>
  );
}
