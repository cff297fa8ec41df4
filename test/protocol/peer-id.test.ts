import { base58btc } from 'multiformats/bases/base58'
import { describe, expect, it } from 'vitest'
import { peerIdString } from '../../protocol/codec/schema.ts'
import { makeKey } from '../helpers/messages.ts'

/** A peer id string is accepted only in the one encoding of its key, so one key cannot pose as two peers. */
describe('peer id strings', () => {
  const identity = (protobuf: number[]) =>
    base58btc.encode(new Uint8Array([0x00, protobuf.length, ...protobuf])).slice(1)

  it('accepts the canonical id of an Ed25519 key', async () => {
    const { peerId } = await makeKey(1)
    expect(peerIdString.safeParse(peerId).success).toBe(true)
  })

  it('refuses the same key with its protobuf fields reordered or repeated', async () => {
    const { key, peerId } = await makeKey(1)
    const pk = [...key.publicKey.raw]
    const canonical = identity([0x08, 0x01, 0x12, 0x20, ...pk])
    expect(canonical).toBe(peerId)
    const reordered = identity([0x12, 0x20, ...pk, 0x08, 0x01])
    const repeated = identity([0x08, 0x01, 0x08, 0x01, 0x12, 0x20, ...pk])
    for (const alias of [reordered, repeated]) {
      expect(alias).not.toBe(peerId)
      expect(peerIdString.safeParse(alias).success).toBe(false)
    }
  })

  it('refuses ids that are not Ed25519 keys', () => {
    // A sha2-256 (RSA-style) peer id: no key inline.
    expect(peerIdString.safeParse('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N').success).toBe(false)
  })
})
