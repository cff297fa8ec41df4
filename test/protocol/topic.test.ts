import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NETWORK_NAME_RE } from '../../protocol/constants.ts'
import { isZkpError } from '../../protocol/errors.ts'
import {
  GOSSIP_TYPES,
  GOSSIP_VERSIONS,
  parseTopic,
  stringifyTopic,
  type Topic,
  topicsFor,
} from '../../protocol/topics/topic.ts'

const invalidField = (f: () => unknown): boolean => {
  try {
    f()
  } catch (err) {
    return isZkpError(err, 'INVALID_FIELD')
  }
  return false
}

describe('topics', () => {
  it.each(GOSSIP_TYPES)('stringify/parse round-trip for %s', (type) => {
    const topic: Topic = { network: 'devnet', type, version: GOSSIP_VERSIONS[type] }
    const s = stringifyTopic(topic)
    expect(s).toBe(`/zkp/devnet/${type}/1`)
    expect(parseTopic(s)).toEqual(topic)
  })

  it('topicsFor gives one distinct, parseable topic per gossip type', () => {
    const topics = topicsFor('mainnet-2')
    expect(Object.keys(topics).sort()).toEqual([...GOSSIP_TYPES].sort())
    expect(new Set(Object.values(topics)).size).toBe(GOSSIP_TYPES.length)
    for (const type of GOSSIP_TYPES) {
      expect(parseTopic(topics[type])).toEqual({ network: 'mainnet-2', type, version: GOSSIP_VERSIONS[type] })
    }
  })

  it('topics of different networks never collide', () => {
    const a = Object.values(topicsFor('devnet'))
    const b = Object.values(topicsFor('devnet2'))
    expect(a.filter((t) => b.includes(t))).toEqual([])
  })

  it.each([
    ['no leading slash', 'zkp/devnet/ask/1'],
    ['wrong prefix', '/zkq/devnet/ask/1'],
    ['prefix as a substring', '/zkpx/devnet/ask/1'],
    ['upper-case prefix', '/ZKP/devnet/ask/1'],
    ['double slash', '//zkp/devnet/ask/1'],
    ['extra trailing segment', '/zkp/devnet/ask/1/extra'],
    ['trailing slash', '/zkp/devnet/ask/1/'],
    ['missing version', '/zkp/devnet/ask'],
    ['empty', ''],
    ['unknown type', '/zkp/devnet/delivery/1'],
    ['type with different case', '/zkp/devnet/Ask/1'],
    ['unsupported version', '/zkp/devnet/ask/2'],
    ['version zero', '/zkp/devnet/ask/0'],
    ['leading-zero version', '/zkp/devnet/ask/01'],
    ['non-numeric version', '/zkp/devnet/ask/v1'],
    ['negative version', '/zkp/devnet/ask/-1'],
    ['fractional version', '/zkp/devnet/ask/1.0'],
    ['empty network', '/zkp//ask/1'],
    ['upper-case network', '/zkp/DevNet/ask/1'],
    ['network with a dot', '/zkp/dev.net/ask/1'],
    ['network starting with a hyphen', '/zkp/-devnet/ask/1'],
    ['network of 33 characters', `/zkp/${'a'.repeat(33)}/ask/1`],
    ['prototype key as type', '/zkp/devnet/constructor/1'],
  ])('parse rejects %s', (_name, topic) => {
    expect(invalidField(() => parseTopic(topic))).toBe(true)
  })

  it('accepts the longest network name', () => {
    const network = 'a'.repeat(32)
    expect(parseTopic(`/zkp/${network}/bid/1`).network).toBe(network)
  })

  it('stringify refuses an invalid network name', () => {
    for (const network of ['', 'Dev', 'a/b', '-x', 'a'.repeat(33)]) {
      expect(invalidField(() => stringifyTopic({ network, type: 'ask', version: 1 }))).toBe(true)
    }
  })

  it('parse(stringify(t)) equals t for any valid network name and type (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(NETWORK_NAME_RE), fc.constantFrom(...GOSSIP_TYPES), (network, type) => {
        const t: Topic = { network, type, version: GOSSIP_VERSIONS[type] }
        expect(parseTopic(stringifyTopic(t))).toEqual(t)
      }),
      { numRuns: 300 },
    )
  })

  it('parse never accepts a string that stringify would not produce (property)', () => {
    // Random strings, and topic-shaped strings whose every segment may be slightly wrong (many near misses).
    const shaped = fc
      .tuple(
        fc.constantFrom('zkp', 'zkp', 'zkq', 'ZKP', ''),
        fc.oneof(fc.stringMatching(NETWORK_NAME_RE), fc.constantFrom('Dev', '', '-a', 'a_b')),
        fc.constantFrom(...GOSSIP_TYPES, 'Ask', 'delivery', ''),
        fc.constantFrom('1', '1', '01', '2', '0', '', '1.0'),
        fc.array(fc.constantFrom('', 'x'), { maxLength: 1 }),
      )
      .map(([prefix, network, type, version, extra]) =>
        ['', prefix, network, type, version, ...extra].join('/'),
      )
    const candidate = fc.oneof(fc.string({ maxLength: 60 }), shaped)
    let accepted = 0
    fc.assert(
      fc.property(candidate, (s) => {
        let parsed: Topic
        try {
          parsed = parseTopic(s)
        } catch (err) {
          expect(isZkpError(err, 'INVALID_FIELD')).toBe(true)
          return
        }
        accepted++
        expect(stringifyTopic(parsed)).toBe(s)
      }),
      { numRuns: 2000, seed: 42 },
    )
    // The generator must actually reach valid topics for this property to mean anything.
    expect(accepted).toBeGreaterThan(0)
  })
})
