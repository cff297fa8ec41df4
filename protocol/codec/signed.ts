import {
  createPrivateKey,
  createPublicKey,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { z } from 'zod'
import { SCHEMA_VERSION } from '../constants.ts'
import { ZkpError } from '../errors.ts'
import { decode, encode } from './cbor.ts'
import { sha256, utf8 } from './hash.ts'
import { parseWith, signature } from './schema.ts'

/** A message body and its author's Ed25519 signature over the body's canonical bytes. */
export interface Signed<B> {
  body: B
  sig: Uint8Array
}

/** The bytes that are signed and hashed: a domain tag (so no signature is valid for two types), NUL, body. */
export function signingBytes(type: string, body: unknown): Uint8Array {
  const tag = utf8(`zkp-node/${type}/v${SCHEMA_VERSION}`)
  const bytes = encode(body)
  const out = new Uint8Array(tag.byteLength + 1 + bytes.byteLength)
  out.set(tag, 0)
  out.set(bytes, tag.byteLength + 1)
  return out
}

/**
 * Ed25519 public keys, imported into Node's crypto, by peer id string. Parsing an id and importing its key
 * cost about as much as the signature check itself (libp2p imports the key again on every check), and every
 * node checks every ask, bid, award and result by the same few peers. A bounded memo of a pure function: it
 * holds no state that could change a result.
 */
const keyMemo = new Map<string, KeyObject | null>()
const KEY_MEMO_SIZE = 4096

const b64url = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')

function publicKeyOf(peer: string): KeyObject | undefined {
  let key = keyMemo.get(peer)
  if (key === undefined) {
    try {
      const parsed = peerIdFromString(peer).publicKey
      key =
        parsed !== undefined && parsed.type === 'Ed25519'
          ? createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: b64url(parsed.raw) } })
          : null
    } catch {
      key = null
    }
    if (keyMemo.size >= KEY_MEMO_SIZE) keyMemo.delete(keyMemo.keys().next().value!)
    keyMemo.set(peer, key)
  }
  return key ?? undefined
}

/** Our own Ed25519 signing keys, imported once (libp2p imports the key again on every signature). */
const signingKeys = new WeakMap<PrivateKey, KeyObject | null>()

function signingKeyOf(key: PrivateKey): KeyObject | undefined {
  let k = signingKeys.get(key)
  if (k === undefined) {
    // libp2p's raw Ed25519 private key is the 32-byte seed followed by the 32-byte public key.
    k =
      key.type === 'Ed25519' && key.raw.byteLength === 64
        ? createPrivateKey({
            format: 'jwk',
            key: {
              kty: 'OKP',
              crv: 'Ed25519',
              d: b64url(key.raw.subarray(0, 32)),
              x: b64url(key.publicKey.raw),
            },
          })
        : null
    signingKeys.set(key, k)
  }
  return k ?? undefined
}

/** Everything needed to sign, send, check and identify one message type. */
export interface MessageType<S extends z.ZodType, B = z.output<S>> {
  readonly type: string
  readonly maxBytes: number
  readonly body: S
  readonly schema: z.ZodType<Signed<B>>
  /** The body field that names the signer's peer id. */
  readonly authorField: keyof B & string
  sign(body: B, key: PrivateKey): Promise<Signed<B>>
  encode(msg: Signed<B>): Uint8Array
  /** Size-limited, strict decode and schema check; does not check the signature. */
  decode(bytes: Uint8Array): Signed<B>
  /** Checks the signature against the author field's peer id (Ed25519 ids carry their key). */
  verify(msg: Signed<B>): Promise<boolean>
  /** The message id: SHA-256 of its signing bytes (independent of the signature). */
  id(msg: Signed<B>): Uint8Array
  author(msg: Signed<B>): string
}

export function defineMessage<S extends z.ZodType>(
  type: string,
  body: S,
  authorField: keyof z.output<S> & string,
  maxBytes: number,
): MessageType<S> {
  type B = z.output<S>
  const schema = z.strictObject({ body, sig: signature }) as unknown as z.ZodType<Signed<B>>
  const author = (msg: Signed<B>): string => String(msg.body[authorField])
  return {
    type,
    maxBytes,
    body,
    schema,
    authorField,
    async sign(b: B, key: PrivateKey): Promise<Signed<B>> {
      // Normalise through the schema so that what is signed is exactly what a receiver will rebuild.
      const parsed = parseWith(body, b, type) as B
      const bytes = signingBytes(type, parsed)
      const own = signingKeyOf(key)
      // Node's crypto returns a Buffer; a plain Uint8Array makes signed and decoded messages compare equal.
      const sig = new Uint8Array(own !== undefined ? edSign(null, bytes, own) : await key.sign(bytes))
      return { body: parsed, sig }
    },
    encode(msg: Signed<B>): Uint8Array {
      const bytes = encode({ body: msg.body, sig: msg.sig })
      if (bytes.byteLength > maxBytes) {
        throw new ZkpError(
          'MESSAGE_TOO_LARGE',
          `${type} is ${bytes.byteLength} bytes; the limit is ${maxBytes}`,
          {
            limit: maxBytes,
          },
        )
      }
      return bytes
    },
    decode(bytes: Uint8Array): Signed<B> {
      return parseWith(schema, decode(bytes, maxBytes, type), type)
    },
    async verify(msg: Signed<B>): Promise<boolean> {
      try {
        const key = publicKeyOf(author(msg))
        if (key === undefined) return false
        return edVerify(null, signingBytes(type, msg.body), key, msg.sig)
      } catch {
        return false
      }
    },
    id(msg: Signed<B>): Uint8Array {
      return sha256(signingBytes(type, msg.body))
    },
    author,
  }
}
