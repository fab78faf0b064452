// While a capture is decoding, its summary changes several times a second; views that ask the host for
// something costly to make and draw (the connections list, a conversation, the rate chart) follow it at
// most once per interval instead, and at once when the interval is 0 (the capture finished loading).
import { useEffect, useRef, useState } from 'react';

/** `value`, changing at most once per `ms` (the newest value after each wait; immediately when ms is 0). */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = last.current + ms - Date.now();
    const show = () => {
      last.current = Date.now();
      setShown(value);
    };
    if (wait <= 0) return show();
    const timer = setTimeout(show, wait);
    return () => clearTimeout(timer);
  }, [value, shown, ms]);
  return shown;
}
