// Open sockets do not keep Node running (as with zeromq.js): only pending send()/receive(), event
// listeners and the like do. A test that awaits something only the engine's own I/O brings about (bytes
// seen by a wire tap, say) holds the process itself until it has it.

/** Resolves like `p`, keeping the process alive until `p` settles. */
export async function keepingAlive<T>(p: Promise<T>): Promise<T> {
  const hold = setInterval(() => {}, 1 << 30);
  try {
    return await p;
  } finally {
    clearInterval(hold);
  }
}
