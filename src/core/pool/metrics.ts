/**
 * Pool metrics: counters, utilization, and wait/run time distributions.
 *
 * Times are recorded in microseconds into HdrHistograms (`hdr-histogram-js`: constant-time
 * recording, bounded memory, accurate high percentiles — the tool latency work uses; a sorted
 * array of samples would grow without bound on a long-lived pool).
 *
 * @module
 */
import hdr from 'hdr-histogram-js';

/** Percentiles of a time distribution, in milliseconds. */
export interface TimeSummary {
  /** How many values were recorded. */
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** A snapshot of a pool's state and history. */
export interface PoolMetrics {
  /** Live workers (booting, serving, or finishing before retirement). */
  workers: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks handed to a worker and not settled yet (running, or queued inside the worker). */
  running: number;
  /** Tasks that settled with a result. */
  completed: number;
  /** Tasks that settled with an error (their own, a timeout, an abort, or their worker's death). */
  failed: number;
  /** Workers that died unexpectedly and were replaced. */
  crashed: number;
  /**
   * Errors that escaped every task — an uncaught exception (a timer's, say) or an unhandled
   * rejection after the task that caused it had settled. Each killed its worker (counted in
   * `crashed` too) and was printed to stderr, naming the pool worker, as Python prints every
   * unhandled exception.
   */
  uncaught: number;
  /**
   * Fraction (0..1) of worker time spent with at least one task in hand, since the pool started:
   * busy time summed over workers divided by elapsed time × `maxWorkers`.
   */
  utilization: number;
  /** From submission to being handed to a worker. */
  waitTime: TimeSummary;
  /** From being handed to a worker to settling (includes time queued inside the worker). */
  runTime: TimeSummary;
}

/** A histogram of durations recorded in microseconds, summarized in milliseconds. */
export class TimeHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 2,
  });

  /** Records a duration given in milliseconds. */
  record(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  summary(): TimeSummary {
    const h = this.h;
    const n = h.totalCount;
    const ms = (us: number) => (n === 0 ? 0 : us / 1000);
    return {
      count: n,
      min: ms(h.minNonZeroValue),
      mean: ms(h.mean),
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p99: ms(h.getValueAtPercentile(99)),
      max: ms(h.maxValue),
    };
  }
}
