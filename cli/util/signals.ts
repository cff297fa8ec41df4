export interface Shutdown {
  /** Resolves with the first SIGINT/SIGTERM received. */
  signal: Promise<NodeJS.Signals>
  /** Removes the handlers (call once stopped). */
  dispose(): void
}

/**
 * Turns SIGINT/SIGTERM into a promise so the command can stop cleanly. A second signal while stopping exits
 * at once (status 130), for a user whose clean stop hangs.
 */
export function onShutdown(): Shutdown {
  let resolve!: (s: NodeJS.Signals) => void
  const signal = new Promise<NodeJS.Signals>((r) => {
    resolve = r
  })
  let received = false
  const handler = (s: NodeJS.Signals) => {
    if (received) {
      process.stderr.write(`${s} again: exiting without a clean stop\n`)
      process.exit(130)
    }
    received = true
    resolve(s)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    signal,
    dispose: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}
