// Capture times to the microsecond. Records carry epoch seconds (a float64 holds today's dates to about
// half a microsecond); the wall clock is formatted once per second and cached, since Intl formatting
// is slow and a table redraws dozens of rows per scroll step.

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const day = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
let cachedSecond = NaN;
let cachedClock = '';

function split(ts: number): { seconds: number; micros: string } {
  // Whole microseconds first, so .9999996 carries into the next second instead of printing 1000000.
  const total = Math.round(ts * 1e6);
  const seconds = Math.floor(total / 1e6);
  return { seconds, micros: String(total - seconds * 1e6).padStart(6, '0') };
}

/** Local wall-clock time, e.g. 14:03:07.000123. */
export function clockTime(ts: number): string {
  const { seconds, micros } = split(ts);
  if (seconds !== cachedSecond) {
    cachedSecond = seconds;
    cachedClock = clock.format(seconds * 1000);
  }
  return `${cachedClock}.${micros}`;
}

/** Local date and time with the UTC form beside it, for the detail pane. */
export function fullTime(ts: number): string {
  const { seconds, micros } = split(ts);
  const utc = new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${day.format(seconds * 1000)} ${clockTime(ts)} (${utc}.${micros} UTC)`;
}

/** A duration in seconds to the microsecond: 0.000123, 12.500000 (negative when records arrive out of order). */
export function seconds(s: number): string {
  return (Math.round(s * 1e6) / 1e6).toFixed(6);
}

/** "1 byte", "2 bytes", "1 frame". */
export function count(n: number, unit: string): string {
  return `${n.toLocaleString()} ${unit}${n === 1 ? '' : 's'}`;
}
