import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from 'commander'
import { LIMITS, NETWORK_NAME_RE } from '../../protocol/constants.ts'

/**
 * Option parsers for commander. Each throws InvalidArgumentError saying what is wrong; cli/main.ts turns that
 * into `error: --option: <what is wrong>` and exit code 2.
 */

/** A bad argument found after parsing (missing combination, invalid config file): printed as is, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer ${min}..${max}`)
    }
    return n
  }
}

const PRICE_DIGITS = LIMITS.maxPrice.toString().length
const PRICE_RE = new RegExp(`^(?:0|[1-9][0-9]{0,${PRICE_DIGITS - 1}})$`)

/** A price in the smallest unit; prices go beyond a JS number's exact range, hence bigint. */
export function price(value: string): bigint {
  if (!PRICE_RE.test(value) || BigInt(value) > LIMITS.maxPrice) {
    throw new InvalidArgumentError(`must be a decimal integer ≤ 2^${LIMITS.maxPrice.toString(2).length}-1`)
  }
  return BigInt(value)
}

export function multiaddrArg(value: string): string {
  try {
    return multiaddr(value).toString()
  } catch (err) {
    throw new InvalidArgumentError(`not a multiaddr (${err instanceof Error ? err.message : String(err)})`)
  }
}

/** A bootstrap peer must name its peer id, or libp2p cannot authenticate the connection. */
export function peerAddr(value: string): string {
  const ma = multiaddrArg(value)
  if (!/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(ma))
    throw new InvalidArgumentError('must end with /p2p/<peer id>')
  return ma
}

export function network(value: string): string {
  if (!NETWORK_NAME_RE.test(value)) throw new InvalidArgumentError('must match [a-z0-9][a-z0-9-]{0,31}')
  return value
}

export function cid(value: string): string {
  if (!/^[a-z2-7]{1,100}$/.test(value)) throw new InvalidArgumentError('must be a base32 CIDv1 (bafy…)')
  return value
}

export function existingFile(value: string): string {
  if (!existsSync(value) || !statSync(value).isFile()) throw new InvalidArgumentError('no such file')
  return value
}

/** Collects a repeatable (or variadic) file option: every value must be an existing file. */
export function existingFiles(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), existingFile(value)]
}

/** A circuit build directory: what `npm run circuits` writes, with its info.json. */
export function circuitDir(value: string): string {
  if (!existsSync(value) || !statSync(value).isDirectory())
    throw new InvalidArgumentError('no such directory')
  if (!existsSync(join(value, 'info.json')))
    throw new InvalidArgumentError('not a circuit build directory (no info.json)')
  return value
}

export function httpUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidArgumentError('not a URL')
  }
  if (url.protocol !== 'http:') throw new InvalidArgumentError('must be an http:// URL')
  return url.toString().replace(/\/$/, '')
}

export function token(value: string): string {
  if (!/^[0-9a-f]{64}$/.test(value)) throw new InvalidArgumentError('must be 64 hex digits (see api.json)')
  return value
}

/** For `<value...>` options: commander hands each value with what it collected so far. */
export function many<T>(parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)]
}
