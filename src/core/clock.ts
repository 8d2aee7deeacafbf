/**
 * Milliseconds on a monotonic clock, for measuring how long something took. `performance.now()`
 * gives the same, but its first use in a process loads perf_hooks (nine internal modules, some
 * 10 ms of a CLI start on a 2-core VM); `process.hrtime` is there from the start.
 */
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
