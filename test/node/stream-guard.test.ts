import { StreamStateError } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { guardStreamRaces, isStreamRace } from '../../node/stream-guard.ts'

describe('the stream-race guard', () => {
  it('recognises only the yamux write-after-close race', () => {
    expect(isStreamRace(new StreamStateError('Cannot write to a stream that is closed'))).toBe(true)
    expect(isStreamRace(new StreamStateError('Cannot write to a stream that is closing'))).toBe(true)
    expect(isStreamRace(new StreamStateError('Cannot read from a stream that is closed'))).toBe(false)
    expect(isStreamRace(new Error('Cannot write to a stream that is closed'))).toBe(false)
    expect(isStreamRace('Cannot write to a stream that is closed')).toBe(false)
  })

  it('reports the race instead of ending the process, and is removed by its return value', () => {
    const seen: string[] = []
    const before = process.listenerCount('uncaughtException')
    const unguard = guardStreamRaces((m) => seen.push(m))
    expect(process.listenerCount('uncaughtException')).toBe(before + 1)
    process.emit('uncaughtException', new StreamStateError('Cannot write to a stream that is closed'))
    expect(seen).toEqual(['ignored a libp2p stream race: Cannot write to a stream that is closed'])
    unguard()
    expect(process.listenerCount('uncaughtException')).toBe(before)
  })
})
