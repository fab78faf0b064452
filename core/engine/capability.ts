// zeromq.js's `version` and `capability` exports. zeromq.js reports the libzmq it was built with;
// this engine reports the libzmq release whose behaviour it follows (ZMTP 3.1, socket options, error
// codes and monitor events of libzmq 4.3.5, the version zeromq.js 6 ships), so code that gates on
// `semver.satisfies(version, ">= 4.2")` takes the same branches as with zeromq.js.

/** The libzmq version whose behaviour this engine follows. */
export const version = '4.3.5';

/** What this engine supports, with zeromq.js's names (zmq_has). */
export const capability: Partial<{
  ipc: boolean;
  pgm: boolean;
  tipc: boolean;
  norm: boolean;
  curve: boolean;
  gssapi: boolean;
  draft: boolean;
}> = Object.freeze({
  ipc: true,
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: true,
});
