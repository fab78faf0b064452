// `npm run bench`: speed measured against the reference implementations in the same run.
// Timing never gates tests on this shared machine; this prints numbers and ratios instead.
import { benchEngine } from './engine.js';

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'engine') await benchEngine(Number(process.env.BENCH_REPEATS ?? 3));
if (which === 'all' || which === 'decode') {
  const { benchDecode } = await import('./decode.js');
  await benchDecode();
}
