/**
 * A known libp2p race (libp2p/js-libp2p#2505, ChainSafe/js-libp2p-yamux#91): yamux may send a window update
 * on a connection that has just closed, from a microtask, and the StreamStateError it throws has no caller to
 * catch it. That error concerns one dead stream; it must not end a node that runs for weeks, nor a hundred nodes
 * in a simulation. This handler swallows exactly that error (reporting it through `log`) and lets every other
 * uncaught exception end the process as usual. Installed by long-running entry points (`zkp-node start`,
 * `simulate`, `demo`); returns the function that removes it.
 */
export function guardStreamRaces(log: (message: string) => void): () => void {
  const onUncaught = (err: Error): void => {
    if (isStreamRace(err)) {
      log(`ignored a libp2p stream race: ${err.message}`)
      return
    }
    process.off('uncaughtException', onUncaught)
    // Re-throwing from the handler makes Node report it and exit with code 7; keep Node's usual behaviour.
    process.nextTick(() => {
      throw err
    })
  }
  process.on('uncaughtException', onUncaught)
  return () => process.off('uncaughtException', onUncaught)
}

export function isStreamRace(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === 'StreamStateError' &&
    /^Cannot write to a stream that is (closed|closing)/.test(err.message)
  )
}
