// `npm run bench`: speed measured against the reference implementations in the same run.
// Timing never gates tests on this shared machine; this prints numbers and ratios instead.
// The engine part is `zmtp bench` (built CLI) so users can run the same thing; the decode part makes
// a real libzmq capture first and compares with tshark.
// @ts-ignore: the built CLI (npm install builds it); benchmarks measure what users run
import { benchEngine } from '../out/core/cli/bench.js';

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'engine') await benchEngine(Number(process.env.BENCH_REPEATS ?? 3));
if (which === 'all' || which === 'decode') {
  const { benchDecode } = await import('./decode.js');
  await benchDecode();
}
if (which === 'layers') {
  // Not part of 'all': where a packet's time goes in zmtp decode --json, layer by layer (decode-layers.ts).
  const { benchLayers } = await import('./decode-layers.js');
  const { packetCapture } = await import('./decode.js');
  await benchLayers(process.env.BENCH_CAPTURE ?? (await packetCapture()).path);
}
if (which === 'all' || which === 'ui') {
  const { benchUi } = await import('./ui.js');
  await benchUi();
}
if (which === 'all' || which === 'open') {
  const { benchCaptureOpen } = await import('./capture-open.js');
  await benchCaptureOpen();
}
if (which === 'all' || which === 'export') {
  const { benchExport } = await import('./export.js');
  await benchExport();
}
if (which === 'all' || which === 'subscriptions') {
  const { benchSubscriptions } = await import('./subscriptions.js');
  await benchSubscriptions();
}
if (which === 'all' || which === 'fragments') {
  const { benchFragments } = await import('./fragments.js');
  await benchFragments();
}
process.exit(0);
