import type { PrivateKey } from '@libp2p/interface'
import { beforeAll, describe, expect, it } from 'vitest'
import { encode } from '../../protocol/codec/cbor.ts'
import { sha256 } from '../../protocol/codec/hash.ts'
import { type Signed, signingBytes } from '../../protocol/codec/signed.ts'
import { LIMITS } from '../../protocol/constants.ts'
import { isZkpError, ZkpError } from '../../protocol/errors.ts'
import {
  Ask,
  type AskBody,
  Award,
  type AwardBody,
  Bid,
  type BidBody,
  Delivery,
  type DeliveryBody,
  Result,
  type ResultBody,
} from '../../protocol/task/messages.ts'
import {
  makeAsk,
  makeAward,
  makeBid,
  makeDelivery,
  makeKey,
  makeKeys,
  makeResult,
  sampleProof,
  type TestKey,
} from '../helpers/messages.ts'

type Body = Record<string, unknown>
type Msg = Signed<Body>
/** The message-type interface, erased to one shape so a table can hold all five types. */
interface AnyType {
  type: string
  maxBytes: number
  authorField: string
  sign(body: Body, key: PrivateKey): Promise<Msg>
  encode(msg: Msg): Uint8Array
  decode(bytes: Uint8Array): Msg
  verify(msg: Msg): Promise<boolean>
  id(msg: Msg): Uint8Array
  author(msg: Msg): string
}
const erase = (t: unknown): AnyType => t as AnyType

let requester: TestKey
let prover: TestKey
let other: TestKey
/** One honest, signed message of each type, built once. */
const samples: Record<string, Msg> = {}

beforeAll(async () => {
  requester = await makeKey()
  prover = await makeKey()
  other = await makeKey()
  const ask = await makeAsk(requester)
  const bid = await makeBid(prover, ask)
  const bid2 = await makeBid(other, ask, { price: bid.body.price + 1n })
  const award = await makeAward(requester, ask, [bid, bid2])
  const delivery = await makeDelivery(prover, award)
  const result = await makeResult(requester, { ask, award, delivery })
  Object.assign(samples, { ask, bid, award, delivery, result })
})

/** Deep copy (bigints and byte arrays included) so tampering never touches the shared samples. */
const clone = <T>(v: T): T => structuredClone(v)

interface Case {
  type: AnyType
  /** Body edits that any verifier must notice. */
  tampers: Record<string, (b: Body) => void>
}

const CASES: Case[] = [
  {
    type: erase(Ask),
    tampers: {
      maxPrice: (b) => {
        b.maxPrice = (b.maxPrice as bigint) + 1n
      },
      requester: (b) => {
        b.requester = other.peerId
      },
      nonce: (b) => {
        ;(b.nonce as Uint8Array)[0] = ((b.nonce as Uint8Array)[0]! + 1) & 0xff
      },
      params: (b) => {
        b.params = new TextEncoder().encode('{"publicInputs":["3","12"]}')
      },
      createdAt: (b) => {
        b.createdAt = (b.createdAt as number) + 1
      },
      circuitId: (b) => {
        b.circuitId = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykv'
      },
      network: (b) => {
        b.network = 'testnet'
      },
      provingDeadlineMs: (b) => {
        b.provingDeadlineMs = (b.provingDeadlineMs as number) * 2
      },
    },
  },
  {
    type: erase(Bid),
    tampers: {
      price: (b) => {
        b.price = (b.price as bigint) - 1n
      },
      prover: (b) => {
        b.prover = other.peerId
      },
      taskId: (b) => {
        ;(b.taskId as Uint8Array)[31] ^= 1
      },
      estimatedMs: (b) => {
        b.estimatedMs = 1
      },
      hasCircuit: (b) => {
        b.hasCircuit = !b.hasCircuit
      },
      createdAt: (b) => {
        b.createdAt = (b.createdAt as number) - 1
      },
    },
  },
  {
    type: erase(Award),
    tampers: {
      winner: (b) => {
        b.winner = 1
      },
      rankedPrice: (b) => {
        const r = b.ranked as AwardBody['ranked']
        r[0]!.price += 1n
      },
      rankedOrder: (b) => {
        b.ranked = [...(b.ranked as AwardBody['ranked'])].reverse()
      },
      requester: (b) => {
        b.requester = other.peerId
      },
      taskId: (b) => {
        ;(b.taskId as Uint8Array)[0] ^= 0x80
      },
      provingDeadline: (b) => {
        b.provingDeadline = (b.provingDeadline as number) + 60_000
      },
      round: (b) => {
        b.round = 1
      },
    },
  },
  {
    type: erase(Delivery),
    tampers: {
      proof: (b) => {
        ;(b.proof as DeliveryBody['proof']).pi_a[0] = '2'
      },
      publicSignals: (b) => {
        ;(b.publicSignals as string[])[0] = '34'
      },
      prover: (b) => {
        b.prover = other.peerId
      },
      taskId: (b) => {
        ;(b.taskId as Uint8Array)[5] ^= 1
      },
      round: (b) => {
        b.round = 2
      },
      provingMs: (b) => {
        b.provingMs = 1
      },
    },
  },
  {
    type: erase(Result),
    tampers: {
      verdict: (b) => {
        b.verdict = 'invalid'
      },
      prover: (b) => {
        b.prover = other.peerId
      },
      reason: (b) => {
        b.reason = 'proof did not verify'
      },
      taskId: (b) => {
        ;(b.taskId as Uint8Array)[0] ^= 1
      },
      embeddedAwardWinner: (b) => {
        ;(b.award as { body: AwardBody }).body.winner = 1
      },
      embeddedDelivery: (b) => {
        b.delivery = null
      },
      createdAt: (b) => {
        b.createdAt = (b.createdAt as number) + 1
      },
    },
  },
]

describe.each(CASES.map((c) => [c.type.type, c] as const))('%s', (name, { type, tampers }) => {
  const sample = () => clone(samples[name]!)

  it('sign → encode → decode → verify', async () => {
    const msg = sample()
    expect(await type.verify(msg)).toBe(true)
    const bytes = type.encode(msg)
    expect(bytes.byteLength).toBeLessThanOrEqual(type.maxBytes)
    const decoded = type.decode(bytes)
    expect(decoded).toEqual(msg)
    expect(await type.verify(decoded)).toBe(true)
    expect(type.author(decoded)).toBe(msg.body[type.authorField])
  })

  it('has an id that is stable across re-encoding and independent of the signature', async () => {
    const msg = sample()
    const id = type.id(msg)
    expect(id.byteLength).toBe(32)
    expect(id).toEqual(sha256(signingBytes(name, msg.body)))
    const bytes = type.encode(msg)
    const again = type.decode(bytes)
    expect(type.id(again)).toEqual(id)
    expect(type.encode(again)).toEqual(bytes)
    expect(type.id({ body: msg.body, sig: new Uint8Array(64) })).toEqual(id)
    const resigned = await type.sign(msg.body, other.key)
    expect(resigned.sig).not.toEqual(msg.sig)
    expect(type.id(resigned)).toEqual(id)
  })

  it('sign normalises the body through the schema (what is signed is what a receiver rebuilds)', async () => {
    const msg = sample()
    const author = msg.body[type.authorField] === requester.peerId ? requester : prover
    const again = await type.sign(msg.body, author.key)
    expect(again.body).toEqual(msg.body)
    expect(new Uint8Array(again.sig)).toEqual(msg.sig)
    // Ed25519 is deterministic: re-signing the same body gives the same bytes.
    expect(type.encode(again)).toEqual(type.encode(msg))
  })

  it.each(Object.keys(tampers))('detects tampering with %s after signing', async (field) => {
    const msg = sample()
    const tampered = clone(msg)
    tampers[field]!(tampered.body)
    expect(type.id(tampered)).not.toEqual(type.id(msg))
    expect(await type.verify(tampered)).toBe(false)
    // Still false after a trip over the wire.
    expect(await type.verify(type.decode(type.encode(tampered)))).toBe(false)
  })

  it('rejects a signature made by another key than the author', async () => {
    const msg = sample()
    const forged = await type.sign(msg.body, other.key)
    expect(forged.body[type.authorField]).toBe(msg.body[type.authorField])
    expect(await type.verify(forged)).toBe(false)
  })

  it('rejects a corrupted or zero signature, without throwing', async () => {
    const msg = sample()
    const flipped = clone(msg)
    flipped.sig[10]! ^= 1
    expect(await type.verify(flipped)).toBe(false)
    expect(await type.verify({ body: msg.body, sig: new Uint8Array(64) })).toBe(false)
  })

  it('returns false, without throwing, when the author field is not an Ed25519 peer id', async () => {
    const msg = sample()
    for (const bogus of ['1111', 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N', '']) {
      expect(await type.verify({ body: { ...msg.body, [type.authorField]: bogus }, sig: msg.sig })).toBe(
        false,
      )
    }
  })

  it('signatures are domain separated: this signature verifies as no other type', async () => {
    const msg = sample()
    for (const otherCase of CASES) {
      if (otherCase.type.type === name) continue
      expect(await otherCase.type.verify({ body: msg.body, sig: msg.sig })).toBe(false)
    }
    // A signature over the bare body, without the domain tag, is not accepted either.
    const author = msg.body[type.authorField] === requester.peerId ? requester : prover
    const bare = await author.key.sign(encode(msg.body))
    expect(await type.verify({ body: msg.body, sig: bare })).toBe(false)
  })

  it('decode rejects an unknown extra key in the body or envelope (INVALID_FIELD naming it)', () => {
    const msg = sample()
    const inBody = encode({ body: { ...msg.body, extra: 1 }, sig: msg.sig })
    expect(() => type.decode(inBody)).toThrow(expect.objectContaining({ code: 'INVALID_FIELD' }))
    expect(() => type.decode(inBody)).toThrow(/extra/)
    expect(() => type.decode(inBody)).toThrow(new RegExp(`^${name}\\.body`))
    const inEnvelope = encode({ body: msg.body, sig: msg.sig, relayedBy: 'x' })
    expect(() => type.decode(inEnvelope)).toThrow(/relayedBy/)
  })

  it('decode rejects a signature of the wrong length and a missing signature', () => {
    const msg = sample()
    expect(() => type.decode(encode({ body: msg.body, sig: new Uint8Array(63) }))).toThrow(
      new RegExp(`^${name}\\.sig: .*64`),
    )
    expect(() => type.decode(encode({ body: msg.body }))).toThrow(new RegExp(`^${name}\\.sig`))
  })

  it('encode of an over-size message throws MESSAGE_TOO_LARGE, and decode of over-size bytes too', () => {
    const msg = sample()
    // encode does not re-check the schema, so an oversized field reaches the size check.
    const huge = { body: { ...msg.body, padding: new Uint8Array(type.maxBytes) }, sig: msg.sig }
    expect(() => type.encode(huge)).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }))
    const bytes = encode(huge)
    expect(() => type.decode(bytes)).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }))
  })
})

function schemaError(f: () => unknown): ZkpError {
  try {
    f()
  } catch (err) {
    if (isZkpError(err)) return err
    throw err
  }
  throw new Error('expected a ZkpError')
}

async function signError(p: Promise<unknown>): Promise<ZkpError> {
  try {
    await p
  } catch (err) {
    if (isZkpError(err)) return err
    throw err
  }
  throw new Error('expected a ZkpError')
}

describe('schema errors: INVALID_FIELD naming the field path and the limit', () => {
  const askWith = async (o: Partial<AskBody> & Record<string, unknown>) =>
    signError(Ask.sign({ ...(clone(samples.ask!.body) as AskBody), ...o }, requester.key))
  const bidWith = async (o: Partial<BidBody>) =>
    signError(Bid.sign({ ...(clone(samples.bid!.body) as BidBody), ...o }, prover.key))
  const awardWith = async (o: Partial<AwardBody>) =>
    signError(Award.sign({ ...(clone(samples.award!.body) as AwardBody), ...o }, requester.key))
  const deliveryWith = async (o: Record<string, unknown>) =>
    signError(Delivery.sign({ ...(clone(samples.delivery!.body) as DeliveryBody), ...o }, prover.key))
  const resultWith = async (o: Record<string, unknown>) =>
    signError(Result.sign({ ...(clone(samples.result!.body) as ResultBody), ...o }, requester.key))

  const expectField = (err: ZkpError, path: string, limit?: string) => {
    expect(err.code).toBe('INVALID_FIELD')
    expect(err.message.startsWith(`${path}:`)).toBe(true)
    expect(err.context.field).toBe(path)
    if (limit !== undefined) expect(err.message).toContain(limit)
  }

  it('too-long params', async () => {
    expectField(await askWith({ params: new Uint8Array(LIMITS.paramsBytes + 1) }), 'ask.params', '4096')
    // Exactly at the limit is fine.
    const ok = await Ask.sign(
      { ...(clone(samples.ask!.body) as AskBody), params: new Uint8Array(LIMITS.paramsBytes) },
      requester.key,
    )
    expect(await Ask.verify(Ask.decode(Ask.encode(ok)))).toBe(true)
  })

  it('ask nonce, window, deadline, circuit id, network, price', async () => {
    expectField(await askWith({ nonce: new Uint8Array(33) }), 'ask.nonce', '32')
    expectField(await askWith({ bidWindowMs: LIMITS.maxBidWindowMs + 1 }), 'ask.bidWindowMs', '600000')
    expectField(await askWith({ bidWindowMs: 0 }), 'ask.bidWindowMs', '1')
    expectField(
      await askWith({ provingDeadlineMs: LIMITS.maxProvingDeadlineMs + 1 }),
      'ask.provingDeadlineMs',
      '86400000',
    )
    expectField(await askWith({ closeAfterBids: 33 }), 'ask.closeAfterBids', '32')
    expectField(await askWith({ circuitId: 'b'.repeat(101) }), 'ask.circuitId', '100')
    expectField(await askWith({ circuitId: 'QmNotBase32' }), 'ask.circuitId', 'base32')
    expectField(await askWith({ network: 'DevNet' }), 'ask.network')
    expectField(await askWith({ maxPrice: -1n }), 'ask.maxPrice')
    expectField(await askWith({ maxPrice: LIMITS.maxPrice + 1n }), 'ask.maxPrice')
    expectField(await askWith({ createdAt: 1.5 }), 'ask.createdAt')
    expectField(await askWith({ v: 2 as 1 }), 'ask.v')
    expectField(await askWith({ system: 'plonk' as 'groth16' }), 'ask.system')
    expectField(await askWith({ requester: 'not-base58-0OIl' }), 'ask.requester', 'base58')
    expectField(await askWith({ requester: '1'.repeat(65) }), 'ask.requester', '64')
  })

  it('unknown extra key', async () => {
    const err = await askWith({ extra: 1 })
    expect(err.code).toBe('INVALID_FIELD')
    expect(err.message).toMatch(/^ask: .*extra/)
  })

  it('65 public signals', async () => {
    const signals = Array.from({ length: LIMITS.publicSignals + 1 }, (_, i) => String(i))
    expectField(await deliveryWith({ publicSignals: signals }), 'delivery.publicSignals', '64')
    const ok = await Delivery.sign(
      { ...(clone(samples.delivery!.body) as DeliveryBody), publicSignals: signals.slice(1) },
      prover.key,
    )
    expect(ok.body.publicSignals).toHaveLength(64)
  })

  it('field elements: too long, not decimal, empty', async () => {
    expectField(
      await deliveryWith({ publicSignals: ['1', '9'.repeat(81)] }),
      'delivery.publicSignals.1',
      '80',
    )
    expectField(await deliveryWith({ publicSignals: ['0x12'] }), 'delivery.publicSignals.0', 'decimal')
    expectField(await deliveryWith({ publicSignals: [''] }), 'delivery.publicSignals.0')
    expectField(await deliveryWith({ publicSignals: [12] }), 'delivery.publicSignals.0')
  })

  it('wrong proof shape', async () => {
    const p = sampleProof()
    expectField(await deliveryWith({ proof: { ...p, pi_a: ['1', '2'] } }), 'delivery.proof.pi_a', '3')
    expectField(
      await deliveryWith({ proof: { ...p, pi_b: [['1', '2'], ['1', '2'], ['1']] } }),
      'delivery.proof.pi_b.2',
      '2',
    )
    expectField(await deliveryWith({ proof: { ...p, pi_c: ['1', '2', 'x'] } }), 'delivery.proof.pi_c.2')
    expectField(await deliveryWith({ proof: { ...p, protocol: 'plonk' } }), 'delivery.proof.protocol')
    expectField(await deliveryWith({ proof: { ...p, curve: 'bls12381' } }), 'delivery.proof.curve')
    const extra = await deliveryWith({ proof: { ...p, extra: [] } })
    expect(extra.message).toMatch(/^delivery\.proof: .*extra/)
    expectField(await deliveryWith({ proof: [p.pi_a, p.pi_b, p.pi_c] }), 'delivery.proof')
  })

  it('bid fields', async () => {
    expectField(await bidWith({ taskId: new Uint8Array(31) }), 'bid.taskId', '32')
    expectField(await bidWith({ price: LIMITS.maxPrice + 1n }), 'bid.price')
    expectField(await bidWith({ capacity: 1025 }), 'bid.capacity', '1024')
    expectField(await bidWith({ estimatedMs: -1 }), 'bid.estimatedMs')
  })

  it('award fields', async () => {
    const entry = (samples.award!.body as AwardBody).ranked[0]!
    expectField(await awardWith({ ranked: Array.from({ length: 33 }, () => entry) }), 'award.ranked', '32')
    expectField(await awardWith({ ranked: [] }), 'award.ranked', '1')
    expectField(await awardWith({ winner: 32 }), 'award.winner', '31')
    expectField(
      await awardWith({ ranked: [{ ...entry, bidId: new Uint8Array(8) }] }),
      'award.ranked.0.bidId',
      '32',
    )
    expectField(await awardWith({ ledgerRoot: new Uint8Array(33) }), 'award.ledgerRoot', '32')
  })

  it('result fields, including those of the embedded messages', async () => {
    expectField(await resultWith({ reason: 'x'.repeat(LIMITS.reasonChars + 1) }), 'result.reason', '256')
    expectField(await resultWith({ verdict: 'maybe' }), 'result.verdict')
    const ask = clone(samples.ask!)
    ask.body.params = new Uint8Array(LIMITS.paramsBytes + 1)
    expectField(await resultWith({ ask }), 'result.ask.body.params', '4096')
    const delivery = clone(samples.delivery!)
    ;(delivery.body.proof as DeliveryBody['proof']).pi_a = ['1']
    expectField(await resultWith({ delivery }), 'result.delivery.body.proof.pi_a', '3')
  })

  it('decode reports the path inside the envelope', () => {
    const msg = clone(samples.bid!)
    const bytes = encode({ body: { ...msg.body, capacity: 5000 }, sig: msg.sig })
    const err = schemaError(() => Bid.decode(bytes))
    expect(err.code).toBe('INVALID_FIELD')
    expect(err.message).toMatch(/^bid\.body\.capacity: .*1024/)
  })

  it('decode of bytes that are not CBOR is INVALID_ENCODING', () => {
    expect(schemaError(() => Ask.decode(new Uint8Array([0xff, 0x00]))).code).toBe('INVALID_ENCODING')
    expect(schemaError(() => Ask.decode(encode('an ask'))).code).toBe('INVALID_FIELD')
  })
})

describe('prices', () => {
  it('a number price is normalised to a bigint, and signs like the bigint', async () => {
    const body = clone(samples.bid!.body) as BidBody
    const asBig = await Bid.sign({ ...body, price: 5n }, prover.key)
    const asNumber = await Bid.sign({ ...body, price: 5 as unknown as bigint }, prover.key)
    expect(asNumber.body.price).toBe(5n)
    expect(Bid.id(asNumber)).toEqual(Bid.id(asBig))
    expect(asNumber.sig).toEqual(asBig.sig)
    const decoded = Bid.decode(Bid.encode(asBig))
    expect(decoded.body.price).toBe(5n)
    expect(await Bid.verify(decoded)).toBe(true)
  })

  it('prices beyond 2^53 round-trip exactly', async () => {
    const price = (1n << 63n) + 12345n
    const bid = await Bid.sign({ ...(clone(samples.bid!.body) as BidBody), price }, prover.key)
    const decoded = Bid.decode(Bid.encode(bid))
    expect(decoded.body.price).toBe(price)
    expect(await Bid.verify(decoded)).toBe(true)
  })

  // The schema accepts every price up to LIMITS.maxPrice, so every such price must survive the wire.
  it.each([
    ['LIMITS.maxPrice', LIMITS.maxPrice],
    ['min(2^64, LIMITS.maxPrice)', LIMITS.maxPrice < 1n << 64n ? LIMITS.maxPrice : 1n << 64n],
  ])('an ask with maxPrice %s signs, round-trips and verifies', async (_name, maxPrice) => {
    const ask = await makeAsk(requester, { maxPrice })
    const decoded = Ask.decode(Ask.encode(ask))
    expect(decoded.body.maxPrice).toBe(maxPrice)
    expect(await Ask.verify(decoded)).toBe(true)
  })
})

describe('size budget', () => {
  it('a result with every field at its limit still fits in one gossip message', async () => {
    const ask = await makeAsk(requester, {
      nonce: new Uint8Array(32).fill(0xff),
      params: new Uint8Array(LIMITS.paramsBytes).fill(0xff),
      maxPrice: (1n << 64n) - 1n,
      createdAt: Number.MAX_SAFE_INTEGER - LIMITS.maxProvingDeadlineMs * 2,
      inputBytes: LIMITS.inputBytes,
    })
    // Canonical Ed25519 peer ids all have the same length, so real keys are the largest ids there are.
    const others = await makeKeys(LIMITS.rankedBids, 500)
    const ranked = Array.from({ length: LIMITS.rankedBids }, (_, i) => ({
      prover: i === 0 ? prover.peerId : others[i]!.peerId,
      bidId: new Uint8Array(32).fill(0xff),
      price: (1n << 64n) - 1n,
      estimatedMs: LIMITS.maxProvingDeadlineMs,
    }))
    const award = await makeAward(requester, ask, [], { ranked, round: LIMITS.rankedBids })
    const element = '9'.repeat(LIMITS.fieldElementChars)
    const delivery = await makeDelivery(prover, award, {
      proof: {
        pi_a: [element, element, element],
        pi_b: [
          [element, element],
          [element, element],
          [element, element],
        ],
        pi_c: [element, element, element],
        protocol: 'groth16',
        curve: 'bn128',
      },
      publicSignals: Array.from({ length: LIMITS.publicSignals }, () => element),
      provingMs: LIMITS.maxProvingDeadlineMs,
    })
    const result = await makeResult(
      requester,
      { ask, award, delivery },
      { reason: 'r'.repeat(LIMITS.reasonChars), verdict: 'invalid' },
    )
    const bytes = Result.encode(result)
    expect(bytes.byteLength).toBeLessThanOrEqual(LIMITS.gossipMessageBytes)
    const decoded = Result.decode(bytes)
    expect(Result.encode(decoded)).toEqual(bytes)
    expect(await Result.verify(decoded)).toBe(true)
  })
})

describe('decode strictness', () => {
  it('rejects a message smuggled under a "__proto__" key (an unknown key the strict schema must not see past)', async () => {
    const ask = clone(samples.ask!)
    const inner = encode({ body: ask.body, sig: ask.sig })
    const proto = new TextEncoder().encode('__proto__')
    // {"__proto__": <the ask>}: a different byte string that must not decode to the same ask.
    const wire = new Uint8Array([0xa1, 0x69, ...proto, ...inner])
    expect(() => Ask.decode(wire)).toThrow(ZkpError)
  })
})
