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

  constructor(
    readonly bucketSeconds = 1,
    /** Buckets kept; older ones are dropped. */
    readonly maxBuckets = 3600,
  ) {}

  add(ts: number, messages: number, bytes: number): void {
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
    // Trim in batches (amortised O(1) per bucket): the array holds up to twice the buckets kept.
    if (this.buckets.length >= 2 * this.maxBuckets) this.buckets.splice(0, this.buckets.length - this.maxBuckets);
  }

  /** Copies of the most recent buckets, oldest first; empty intervals are not listed. */
  snapshot(): RateBucket[] {
    return this.buckets.slice(-this.maxBuckets).map((b) => ({ ...b }));
  }
}
