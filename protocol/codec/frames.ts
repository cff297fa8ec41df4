import type { AbortOptions, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { z } from 'zod'
import { decode, encode } from './cbor.ts'
import { parseWith } from './schema.ts'

/**
 * Length-prefixed CBOR frames over a libp2p stream. Every read is bounded by `maxBytes` (the length prefix is
 * checked before the body is buffered) and checked against a schema.
 */
export interface FramedStream {
  read<S extends z.ZodType>(schema: S, what: string, options?: AbortOptions): Promise<z.output<S>>
  readBytes(options?: AbortOptions): Promise<Uint8Array>
  write(value: unknown, options?: AbortOptions): Promise<void>
  writeBytes(bytes: Uint8Array, options?: AbortOptions): Promise<void>
  close(options?: AbortOptions): Promise<void>
  abort(err: Error): void
}

export function framed(stream: Stream, maxBytes: number): FramedStream {
  const lp = lpStream(stream, { maxDataLength: maxBytes })
  const readBytes = async (options?: AbortOptions): Promise<Uint8Array> => (await lp.read(options)).subarray()
  return {
    readBytes,
    async read(schema, what, options) {
      return parseWith(schema, decode(await readBytes(options), maxBytes, what), what)
    },
    async write(value, options) {
      await lp.write(encode(value), options)
    },
    async writeBytes(bytes, options) {
      await lp.write(bytes, options)
    },
    async close(options) {
      await stream.close(options).catch(() => stream.abort(new Error('close failed')))
    },
    abort(err) {
      stream.abort(err)
    },
  }
}
