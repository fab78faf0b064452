// The port of a bound tcp endpoint ("tcp://127.0.0.1:40123" -> 40123): tests bind to port 0 and read it back.
export function portOf(endpoint: string | null | undefined): number {
  const m = /:(\d+)$/.exec(endpoint ?? '');
  if (!m) throw new Error(`no port in endpoint ${JSON.stringify(endpoint)}`);
  return Number(m[1]);
}
