// zeromq.js seals its Socket and Context objects and applies constructor options as property
// assignments, so an unknown option or a read-only one throws V8's TypeError. These helpers give the
// same errors and messages (zeromq.js's native classes are named Socket/Context in them).

/** Finds `name` on the object or its prototypes. */
function descriptorOf(target: object, name: string): PropertyDescriptor | undefined {
  for (let o: object | null = target; o; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return d;
  }
  return undefined;
}

/** Assigns each option as a property, as zeromq.js's constructors do; `skip` names keys handled elsewhere. */
export function assignOptions(target: object, options: object, className: string, skip?: string): void {
  for (const [name, value] of Object.entries(options)) {
    if (name === skip) continue;
    const d = descriptorOf(target, name);
    // Only accessors are options; a method or internal field is "not there" for zeromq.js's sealed object.
    if (!d || (!d.get && !d.set)) throw new TypeError(`Cannot add property ${name}, object is not extensible`);
    if (!d.set) throw new TypeError(`Cannot set property ${name} of #<${className}> which has only a getter`);
    (target as Record<string, unknown>)[name] = value;
  }
}

/** A TypeError with zeromq.js's fixed text, and what was wrong in this case as `detail` (not enumerable). */
export function typeError(message: string, detail?: string): TypeError {
  const e = new TypeError(message);
  if (detail !== undefined) Object.defineProperty(e, 'detail', { value: detail, enumerable: false });
  return e;
}
