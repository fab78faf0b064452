// Message and byte counts over time, in fixed buckets, keeping only the most recent ones so memory
// stays bounded however long a capture runs.

export interface RateBucket {
  /** Bucket start, seconds since the epoch. */
  t: number;
  messages: number;
  bytes: number;
}

export class RateSeries {
  private buckets: RateBucket[] = [];
  /** With 1-second buckets, every time below this goes into the last bucket (its start + 1): checked
   *  before working out a time's bucket, which costs more and is done twice per message. */
  private lastEdge = -Infinity;

  constructor(
    readonly bucketSeconds = 1,
    /** Buckets kept; older ones are dropped. */
    readonly maxBuckets = 3600,
  ) {}

  add(ts: number, messages: number, bytes: number): void {
    if (ts < this.lastEdge) {
      const last = this.buckets[this.buckets.length - 1];
      last.messages += messages;
      last.bytes += bytes;
      return;
    }
    // Rounded to the microsecond: a fractional bucket width would otherwise leave float noise in `t`.
    const t = Math.round(Math.floor(ts / this.bucketSeconds) * this.bucketSeconds * 1e6) / 1e6;
    const last = this.buckets[this.buckets.length - 1];
    // Captures are mostly in time order; a late packet counts in the latest bucket.
    if (last && t <= last.t) {
      last.messages += messages;
      last.bytes += bytes;
      return;
    }
    this.buckets.push({ t, messages, bytes });
    // A whole-second bucket start, exact (below 2^32 s): a time is in it or before it exactly when below t + 1.
    if (this.bucketSeconds === 1 && t === Math.floor(ts) && t < 2 ** 32) this.lastEdge = t + 1;
    // Trim in batches (amortised O(1) per bucket): the array holds up to twice the buckets kept.
    if (this.buckets.length >= 2 * this.maxBuckets) this.buckets.splice(0, this.buckets.length - this.maxBuckets);
  }

  /** Copies of the most recent buckets, oldest first; empty intervals are not listed. */
  snapshot(): RateBucket[] {
    return this.buckets.slice(-this.maxBuckets).map((b) => ({ ...b }));
  }
}
