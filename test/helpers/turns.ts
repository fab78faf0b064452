// Counts event-loop turns, one tick per check phase (setImmediate): how tests see that work was spread
// over several turns without timing anything.
export function turnCounter(): { readonly turn: number; stop(): void } {
  let turn = 0;
  let on = true;
  const tick = () => {
    turn++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turn() {
      return turn;
    },
    stop() {
      on = false;
    },
  };
}
