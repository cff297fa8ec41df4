/**
 * Child process that verifies Groth16 proofs for the ledger (see verify.ts). One request at a time; the parent
 * queues. A key it has not seen arrives with the request and is prepared once.
 */
import type { VerifyReply, VerifyRequest } from './messages.ts'
import { Groth16Verifier, type PreparedKey } from './verify.ts'

const MAX_KEYS = 64
const keys = new Map<string, PreparedKey>()
const send = (reply: VerifyReply): void => {
  process.send?.(reply)
}

const verifier = await Groth16Verifier.create()

process.on('message', (req: VerifyRequest) => {
  try {
    let key = keys.get(req.keyId)
    if (key === undefined) {
      if (req.key === undefined) throw new Error(`unknown key ${req.keyId}`)
      try {
        key = verifier.prepare(req.key)
      } catch {
        // Keys are content-addressed: one that is not a usable Groth16 key never verifies anything.
        send({ id: req.id, ok: true, valid: false })
        return
      }
      keys.set(req.keyId, key)
      if (keys.size > MAX_KEYS) keys.delete(keys.keys().next().value!)
    }
    send({ id: req.id, ok: true, valid: verifier.verify(key, req.proof, req.signals) })
  } catch (err) {
    send({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) })
  }
})

process.on('disconnect', () => {
  process.exit(0)
})

send({ id: 0, ok: true, ready: true })
