declare module 'ffjavascript' {
  /**
   * Builds (and caches on globalThis.curve_bn128) the bn128 curve with its worker-thread pool, sized from
   * os.cpus() (at most 64). singleThread: no pool and no worker threads, and nothing cached.
   */
  export function buildBn128(singleThread?: boolean): Promise<{
    terminate(): Promise<void>
    /** concurrency: the threads that run the curve's work (1 when single-threaded). */
    tm: { concurrency: number }
  }>
}
