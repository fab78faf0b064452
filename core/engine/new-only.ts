// zeromq.js's Socket, Context and Proxy are native (node-addon-api) classes: called without `new` they
// throw "Class constructors cannot be invoked without 'new'", not V8's "Class constructor Socket cannot
// be invoked without 'new'" that a plain JS class gives. Its JS subclasses (Dealer, ...) give V8's text.

const MESSAGE = "Class constructors cannot be invoked without 'new'";

/** `cls` behaving the same in every way, except that calling it as a function throws zeromq.js's TypeError. */
export function newOnly<C extends abstract new (...args: never[]) => unknown>(cls: C): C {
  return new Proxy(cls, {
    apply() {
      throw new TypeError(MESSAGE);
    },
  });
}
