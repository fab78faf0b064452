// Sums CPU profiles taken through CDP's Profiler domain (one per click window in `npm run bench ui` with
// BENCH_UI_PROFILE=1) into self time per function, so the bench can say what a click waited behind.
// Native work outside JavaScript (style, layout, paint) shows as "(program)"; "(idle)" is the main thread
// waiting, "(garbage collector)" V8's collections.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export class ProfileSum {
  private selfUs = new Map<string, number>();
  private totalUs = 0;

  add(profile: CpuProfile): void {
    const names = new Map<number, string>();
    for (const n of profile.nodes) {
      const { functionName, url, lineNumber } = n.callFrame;
      const file = url.slice(url.lastIndexOf('/') + 1);
      names.set(n.id, file ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}` : functionName);
    }
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    // A sample's time is the delta to the next sample.
    for (let i = 0; i < samples.length; i++) {
      const us = deltas[i + 1] ?? 0;
      const name = names.get(samples[i]) ?? '?';
      this.selfUs.set(name, (this.selfUs.get(name) ?? 0) + us);
      this.totalUs += us;
    }
  }

  /** The `n` functions with the most self time, as printable lines. */
  top(n: number): string[] {
    return [...this.selfUs.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([name, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / (this.totalUs || 1)).toFixed(1).padStart(5)}%  ${name}`,
      );
  }

  get totalMs(): number {
    return this.totalUs / 1000;
  }
}
