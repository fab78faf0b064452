// Child of hostile.test.ts, run under `ulimit -v`: decodes the capture named on the command line and
// prints one JSON line: the error records, counts by record type and the peak RSS. With PROBE=1 it
// only loads the decoder and prints its address-space size, so the parent can set a limit just above.
import { tryHugeAllocation, vmSizeKiB } from '../../helpers/address-space.js';
import { decodeCapture } from '../../../core/inspect/index.js';

const vmKiB = vmSizeKiB();
if (process.env.PROBE) {
  process.stdout.write(`${JSON.stringify({ vmKiB })}\n`);
  process.exit(0);
}
const bigAllocation = tryHugeAllocation();
const types: Record<string, number> = {};
const errors: string[] = [];
let peakRss = 0;
await decodeCapture(process.argv[2], {
  // One thread: a capture thread's isolate (and tsx loaded again in it) would need address space the probe
  // above did not measure; the frames are decoded on this thread in both modes.
  captureThread: 'off',
  onRecord: (r) => {
    types[r.type] = (types[r.type] ?? 0) + 1;
    if (r.type === 'error') errors.push(`${r.conn} ${r.code} ${r.message}`);
    if ((types[r.type] & 63) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  },
});
peakRss = Math.max(peakRss, process.memoryUsage().rss);
process.stdout.write(`${JSON.stringify({ bigAllocation, types, errors, peakRssMiB: Math.round(peakRss / 2 ** 20) })}\n`);
