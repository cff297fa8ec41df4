import * as cborg from 'cborg'
import { ZkpError } from '../errors.ts'

/**
 * The one wire encoding: deterministic CBOR (RFC 8949 core deterministic encoding as produced by cborg:
 * shortest integer forms, map keys sorted by length then bytes, no indefinite lengths). What is signed and
 * hashed is always the output of `encode`.
 */
export function encode(value: unknown): Uint8Array {
  return cborg.encode(value)
}

const DECODE_OPTIONS: cborg.DecodeOptions = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowInfinity: false,
  allowNaN: false,
  useMaps: false,
  allowBigInt: true,
}

/**
 * Decodes CBOR after checking the size limit, rejecting non-minimal encodings, duplicate keys, undefined,
 * NaN, Infinity and indefinite-length items. Schema checks are the caller's.
 */
export function decode(bytes: Uint8Array, maxBytes: number, what = 'message'): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new ZkpError(
      'MESSAGE_TOO_LARGE',
      `${what} is ${bytes.byteLength} bytes; the limit is ${maxBytes}`,
      {
        size: bytes.byteLength,
        limit: maxBytes,
      },
    )
  }
  let value: unknown
  try {
    value = cborg.decode(bytes, DECODE_OPTIONS)
  } catch (err) {
    throw new ZkpError(
      'INVALID_ENCODING',
      `${what} is not valid deterministic CBOR: ${(err as Error).message}`,
      {},
      {
        cause: err,
      },
    )
  }
  // One value, one encoding: re-encoding must give the same bytes. This rejects unsorted map keys, integers
  // written as floats and "__proto__" keys (which the decoded object would not carry), so a message cannot
  // travel as several byte strings.
  let again: Uint8Array
  try {
    again = cborg.encode(value)
  } catch {
    again = new Uint8Array()
  }
  if (Buffer.compare(again, bytes) !== 0) {
    throw new ZkpError('INVALID_ENCODING', `${what} is not in canonical CBOR form`)
  }
  return value
}
