declare module 'ffjavascript' {
  /** Builds (and caches on globalThis.curve_bn128) the bn128 curve with its worker-thread pool. */
  export function buildBn128(singleThread?: boolean): Promise<{ terminate(): Promise<void> }>
}
