import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decode, encode } from '../../protocol/codec/cbor.ts'
import { bytesEqual, compareBytes, fromHex, sha256, toHex } from '../../protocol/codec/hash.ts'
import { LIMITS } from '../../protocol/constants.ts'
import { isZkpError, type ZkpErrorCode } from '../../protocol/errors.ts'

function codeOf(f: () => unknown): ZkpErrorCode | 'no error' | 'not a ZkpError' {
  try {
    f()
  } catch (err) {
    return isZkpError(err) ? err.code : 'not a ZkpError'
  }
  return 'no error'
}

const bytes = (...b: number[]) => new Uint8Array(b)

describe('cbor codec', () => {
  it('round-trips the value kinds messages use', () => {
    const value = {
      v: 1,
      network: 'devnet',
      nonce: bytes(1, 2, 3),
      createdAt: 1_700_000_000_000,
      big: (1n << 60n) + 7n,
      flag: true,
      none: null,
      list: ['1', '22', '333'],
      nested: { a: [bytes(), { b: 0 }] },
    }
    const out = decode(encode(value), 10_000)
    expect(out).toEqual(value)
    expect(encode(out)).toEqual(encode(value))
  })

  it('round-trips arbitrary JSON-like values (property)', () => {
    const leaf = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.boolean(),
      fc.constant(null),
      fc.uint8Array({ maxLength: 16 }),
    )
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 }),
      ),
    })).node
    fc.assert(
      fc.property(value, (v) => {
        const encoded = encode(v)
        const decoded = decode(encoded, 1 << 20)
        expect(decoded).toEqual(v)
        expect(encode(decoded)).toEqual(encoded)
      }),
      { numRuns: 200 },
    )
  })

  it('encodes map keys in one order whatever order they were inserted in', () => {
    expect(encode({ b: 1, a: 2, cc: 3 })).toEqual(encode({ cc: 3, a: 2, b: 1 }))
  })

  it('encodes bigint 5n and number 5 identically, and uses the shortest form', () => {
    expect(encode(5n)).toEqual(encode(5))
    expect(encode({ price: 5n })).toEqual(encode({ price: 5 }))
    expect(encode(5)).toEqual(bytes(0x05))
    expect(encode(500)).toEqual(bytes(0x19, 0x01, 0xf4))
  })

  it('accepts input exactly at the size limit and rejects one byte over with MESSAGE_TOO_LARGE', () => {
    const payload = encode(new Uint8Array(100))
    expect(decode(payload, payload.byteLength)).toEqual(new Uint8Array(100))
    expect(codeOf(() => decode(payload, payload.byteLength - 1))).toBe('MESSAGE_TOO_LARGE')
    expect(
      codeOf(() => decode(new Uint8Array(LIMITS.gossipMessageBytes + 1), LIMITS.gossipMessageBytes)),
    ).toBe('MESSAGE_TOO_LARGE')
  })

  it('checks the size limit before parsing (oversize garbage is MESSAGE_TOO_LARGE, not INVALID_ENCODING)', () => {
    expect(codeOf(() => decode(new Uint8Array(64).fill(0xff), 32))).toBe('MESSAGE_TOO_LARGE')
  })

  it.each([
    ['empty input', bytes()],
    ['a break byte', bytes(0xff)],
    ['a truncated string', bytes(0x62, 0x61)],
    ['a truncated map', bytes(0xa2, 0x61, 0x61, 0x01)],
    ['trailing bytes after one item', bytes(0x01, 0x01)],
    ['a reserved additional-info value', bytes(0x1c)],
    ['an unsupported tag (bignum)', bytes(0xc2, 0x41, 0x01)],
  ])('rejects garbage: %s (INVALID_ENCODING)', (_name, input) => {
    expect(codeOf(() => decode(input, 1000))).toBe('INVALID_ENCODING')
  })

  it('rejects random byte strings or decodes them to plain data, never throwing anything but a ZkpError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        const code = codeOf(() => decode(input, 1000))
        expect(['no error', 'INVALID_ENCODING']).toContain(code)
      }),
      { numRuns: 500 },
    )
  })

  it('rejects duplicate map keys', () => {
    // {"a": 1, "a": 2}
    expect(codeOf(() => decode(bytes(0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02), 100))).toBe(
      'INVALID_ENCODING',
    )
  })

  it.each([
    ['uint 5 in one extra byte', bytes(0x18, 0x05)],
    ['uint 5 in two extra bytes', bytes(0x19, 0x00, 0x05)],
    ['uint 255 in two extra bytes', bytes(0x19, 0x00, 0xff)],
    ['uint 65535 in four extra bytes', bytes(0x1a, 0x00, 0x00, 0xff, 0xff)],
    ['negative int -1 in one extra byte', bytes(0x38, 0x00)],
    ['a string length in one extra byte', bytes(0x78, 0x01, 0x61)],
    ['a byte-string length in one extra byte', bytes(0x58, 0x01, 0x00)],
    ['an array length in one extra byte', bytes(0x98, 0x01, 0x00)],
    ['a map length in one extra byte', bytes(0xb8, 0x01, 0x61, 0x61, 0x00)],
  ])('rejects a non-minimal integer encoding: %s', (_name, input) => {
    expect(codeOf(() => decode(input, 100))).toBe('INVALID_ENCODING')
  })

  it.each([
    ['undefined', bytes(0xf7)],
    ['undefined inside a map', bytes(0xa1, 0x61, 0x61, 0xf7)],
    ['NaN (half)', bytes(0xf9, 0x7e, 0x00)],
    ['NaN (double)', bytes(0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0)],
    ['+Infinity', bytes(0xf9, 0x7c, 0x00)],
    ['-Infinity', bytes(0xf9, 0xfc, 0x00)],
    ['an indefinite-length array', bytes(0x9f, 0x01, 0xff)],
    ['an indefinite-length string', bytes(0x7f, 0x61, 0x61, 0xff)],
  ])('rejects %s (INVALID_ENCODING)', (_name, input) => {
    expect(codeOf(() => decode(input, 100))).toBe('INVALID_ENCODING')
  })

  it('decodes integers beyond 2^53 as bigints, without losing precision', () => {
    const big = (1n << 64n) - 1n
    expect(decode(encode({ p: big }), 100)).toEqual({ p: big })
    expect(decode(encode(Number.MAX_SAFE_INTEGER), 100)).toBe(Number.MAX_SAFE_INTEGER)
  })
})

describe('hash helpers', () => {
  it('sha256 of parts equals sha256 of their concatenation', () => {
    expect(sha256(bytes(1, 2), bytes(3))).toEqual(sha256(bytes(1, 2, 3)))
    expect(toHex(sha256())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('hex round-trips and compareBytes orders lexicographically', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        expect(fromHex(toHex(a))).toEqual(a)
        expect(bytesEqual(a, b)).toBe(toHex(a) === toHex(b))
        expect(Math.sign(compareBytes(a, b))).toBe(
          Math.sign(toHex(a) < toHex(b) ? -1 : toHex(a) > toHex(b) ? 1 : 0),
        )
      }),
    )
  })

  it('toHex respects the view of a subarray', () => {
    const buf = bytes(0xaa, 0x01, 0x02, 0xbb)
    expect(toHex(buf.subarray(1, 3))).toBe('0102')
  })
})

/**
 * The codec promises one wire encoding ("deterministic CBOR"): any other byte form of the same value lets one
 * message travel as many distinct byte strings (defeating byte-level dedup) and slips past strict schemas.
 */
describe('cbor codec: canonical form only', () => {
  it('rejects map keys out of canonical order', () => {
    // {"b": 1, "a": 2}: canonical order is "a" then "b"
    expect(codeOf(() => decode(bytes(0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02), 100))).toBe(
      'INVALID_ENCODING',
    )
  })

  it('rejects an integer encoded as a float', () => {
    // 5.0 as a float64; canonical is 0x05
    expect(codeOf(() => decode(bytes(0xfb, 0x40, 0x14, 0, 0, 0, 0, 0, 0), 100))).toBe('INVALID_ENCODING')
  })

  it('rejects a "__proto__" map key (it would replace the decoded object\'s prototype)', () => {
    const proto = new TextEncoder().encode('__proto__')
    // {"__proto__": {"x": 1}}
    const input = bytes(0xa1, 0x69, ...proto, 0xa1, 0x61, 0x78, 0x01)
    expect(codeOf(() => decode(input, 100))).toBe('INVALID_ENCODING')
  })
})
