// A callback whose identity never changes, for memoised children: they are not drawn again when only the
// parent's closures changed, yet each call runs the function of the parent's latest committed render.
import { useCallback, useLayoutEffect, useRef } from 'react';

/** Returns a stable function calling the newest `fn`. For event handlers: it must not be called during render. */
export function useStableCallback<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const latest = useRef(fn);
  // Taken over once the render is committed (a render React throws away must not leave its closure here);
  // no event can be handled between the commit and this layout effect.
  useLayoutEffect(() => {
    latest.current = fn;
  });
  return useCallback((...args: A) => latest.current(...args), []);
}
