// Messages per second over time (uPlot), shared by the capture view and the workbench. The Y axis is as
// wide as its widest label, measured in the font it is drawn in (uPlot's fixed 50 px cut "10,000" to
// "0,000"), and labels are short (12, 1.5k, 2M). The labels drawn and a one-line summary of the data are
// in the DOM too: the chart itself is a canvas, which neither screen readers nor tests can read.
import { useEffect, useEffectEvent, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** The axis font, set explicitly so label widths are measured in the font they are drawn in. */
export const AXIS_FONT = '12px system-ui, sans-serif';
/** uPlot's tick length and the gap between a tick and its label (its defaults, set here to size the axis). */
const TICK = 10;
const GAP = 5;

/** Rates as short labels (12, 1.5k, 2M) so the Y axis stays narrow. */
export function rateLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(a < 10 ? 2 : 0)}`;
}

// Times on the X axis as the rest of the app shows them (14:05:09, 24-hour), on one line: uPlot's default
// adds a second line with the date, which was cut off at the chart's left edge.
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** Tick times as labels: 14:05:09 for ticks a second or more apart, else seconds with the fraction (:09.25). */
export function timeLabels(splits: number[]): string[] {
  const step = splits.length > 1 ? splits[1] - splits[0] : 1;
  if (step >= 1) return splits.map((s) => clock.format(Math.round(s) * 1000));
  const digits = step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
  return splits.map((s) => `:${(s % 60).toFixed(digits).padStart(digits + 3, '0')}`);
}

let measurer: CanvasRenderingContext2D | null = null;
function textWidth(text: string): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return 7 * text.length;
  measurer.font = AXIS_FONT;
  return measurer.measureText(text).width;
}

export interface RateLine {
  label: string;
  /** Messages per second, one per time in `t`. */
  values: number[];
  stroke: string;
  fill: string;
}

export function RateChart({
  t,
  lines,
  dark,
  height = 160,
  testId = 'rate-chart',
  summary,
}: {
  /** Times (seconds since the epoch), oldest first. */
  t: number[];
  lines: RateLine[];
  dark: boolean;
  height?: number;
  testId?: string;
  /** What the chart shows, in words (kept in the DOM next to the canvas). */
  summary: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const labels = useRef<string[]>([]);
  const shape = `${dark} ${height} ${lines.map((l) => l.label).join('|')}`;

  // Reads the props of the latest render, whenever the idle callback below runs.
  const make = useEffectEvent(() => {
    if (!el.current) return undefined;
    const axis = {
      stroke: dark ? '#cbd5e1' : '#334155',
      grid: { stroke: dark ? '#1e293b' : '#e2e8f0' },
      font: AXIS_FONT,
      ticks: { size: TICK },
      gap: GAP,
    };
    const plot = new uPlot(
      {
        width: el.current.clientWidth || 600,
        height,
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.stroke, fill: l.fill }))],
        axes: [
          { ...axis, space: 60, values: (_u: uPlot, splits: number[]) => timeLabels(splits) },
          {
            ...axis,
            values: (_u: uPlot, splits: number[]) => {
              const shown = splits.map(rateLabel);
              labels.current = shown;
              el.current?.setAttribute('data-y-labels', shown.join(' '));
              return shown;
            },
            size: (_u: uPlot, values: string[] | null) => {
              const size = Math.ceil(TICK + GAP + Math.max(textWidth('00'), ...(values ?? []).map(textWidth)) + 4);
              el.current?.setAttribute('data-y-axis-size', String(size));
              return size;
            },
          },
        ],
        legend: { live: false },
        scales: { y: { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(1, max) * 1.1] } },
      },
      [t, ...lines.map((l) => l.values)],
      el.current,
    );
    plotRef.current = plot;
    const ro = new ResizeObserver(() => plot.setSize({ width: el.current?.clientWidth || 600, height }));
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  });

  // The plot is made once per shape (theme, lines); new data only moves the lines.
  useEffect(() => {
    if (!el.current) return;
    // Made when the page is next idle (at most half a second on): showing a socket view (a click) and the
    // frame that shows it do not wait for the canvas, its legend and its first draw.
    let made: (() => void) | undefined;
    const idle = requestIdleCallback(
      () => {
        made = make();
      },
      { timeout: 500 },
    );
    return () => {
      cancelIdleCallback(idle);
      made?.();
    };
  }, [shape]);

  useEffect(() => {
    plotRef.current?.setData([t, ...lines.map((l) => l.values)]);
    // The numbers drawn, for whoever cannot read a canvas (tests; a short series only).
    if (t.length <= 600) el.current?.setAttribute('data-values', JSON.stringify(Object.fromEntries(lines.map((l) => [l.label, l.values]))));
  }, [t, lines, shape]);

  return (
    <div>
      <div ref={el} data-testid={testId} data-font={AXIS_FONT} className="w-full" />
      <p className="sr-only" data-testid={`${testId}-summary`}>
        {summary}
      </p>
    </div>
  );
}
