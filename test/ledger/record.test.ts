import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VerifierProcess } from '../../node/ledger/groth16/process.ts'
import { RecordVerifier } from '../../node/ledger/verifier.ts'
import { validateRecord } from '../../protocol/reputation/record.ts'
import { Result } from '../../protocol/task/messages.ts'
import { makeKeys, NETWORK, type TestKey } from '../helpers/messages.ts'
import { circuitDir } from '../helpers/network.ts'
import { broken, makeRecord, type RealProof, realProofs, tinyCircuit } from './fixtures.ts'

const log: Logger = defaultLogger().forComponent('test:ledger')
let requester: TestKey
let prover: TestKey
let proofs: RealProof[]
let circuitId: string
let checker: VerifierProcess
let verifier: RecordVerifier

beforeAll(async () => {
  ;[requester, prover] = (await makeKeys(2, 800)) as [TestKey, TestKey]
  proofs = await realProofs(2)
  const tiny = await tinyCircuit()
  circuitId = tiny.circuitId
  checker = new VerifierProcess(log)
  verifier = new RecordVerifier({ artifacts: tiny.artifacts, checker, log })
})

afterAll(async () => {
  await checker?.stop()
})

const judge = async (spec: Omit<Parameters<typeof makeRecord>[0], 'requester' | 'prover' | 'circuitId'>) =>
  verifier.judge(await makeRecord({ requester, prover, circuitId, ...spec }))

describe('re-verification of a record', () => {
  it('confirms a valid verdict on a proof that verifies with the committed signals', async () => {
    expect(await judge({ proof: proofs[0]! })).toMatchObject({ status: 'confirmed' })
  })

  it('contradicts a valid verdict on a proof that does not verify', async () => {
    expect(await judge({ proof: broken(proofs[0]!) })).toMatchObject({
      status: 'contradicted',
      reason: expect.stringMatching(/does not verify/),
    })
  })

  it('contradicts a valid verdict on a real proof of another input than the one committed to', async () => {
    const j = await judge({ proof: proofs[1]!, commit: proofs[0]!.publicSignals })
    expect(j).toMatchObject({ status: 'contradicted', reason: expect.stringMatching(/committed/) })
  })

  it('confirms an invalid verdict on a proof that does not verify, or proves another input', async () => {
    expect(await judge({ proof: broken(proofs[0]!), verdict: 'invalid' })).toMatchObject({
      status: 'confirmed',
    })
    const replayed = await judge({ proof: proofs[1]!, commit: proofs[0]!.publicSignals, verdict: 'invalid' })
    expect(replayed).toMatchObject({ status: 'confirmed', reason: expect.stringMatching(/committed/) })
  })

  it('contradicts an invalid verdict on a proof of exactly the committed signals', async () => {
    expect(await judge({ proof: proofs[0]!, verdict: 'invalid' })).toMatchObject({ status: 'contradicted' })
  })

  it('cannot settle an invalid verdict on a verifying proof when the award committed to nothing', async () => {
    expect(await judge({ proof: proofs[0]!, verdict: 'invalid', commit: null })).toMatchObject({
      status: 'unproven',
    })
  })

  it('takes a timeout as unproven: there is nothing to re-verify', async () => {
    expect(await judge({})).toMatchObject({ status: 'unproven' })
  })

  it('refuses to judge (NOT_FOUND) a record whose circuit it cannot obtain', async () => {
    const other = await makeRecord({
      requester,
      prover,
      circuitId: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
      proof: proofs[0]!,
    })
    await expect(verifier.judge(other)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})

describe('the ledger’s verifier agrees with snarkjs', () => {
  it('on valid proofs, broken proofs and every tampered public signal', async () => {
    const vkey = JSON.parse(await readFile(join(circuitDir('tiny'), 'verification_key.json'), 'utf8'))
    const cases: RealProof[] = [...proofs, broken(proofs[0]!)]
    for (const p of proofs) {
      for (let i = 0; i < p.publicSignals.length; i++) {
        const signals = [...p.publicSignals]
        signals[i] = (BigInt(signals[i]!) + 1n).toString()
        cases.push({ proof: p.proof, publicSignals: signals })
      }
      cases.push({ proof: p.proof, publicSignals: [...p.publicSignals, '1'] })
    }
    for (const c of cases) {
      const ours = await checker.verify('tiny', vkey, c.proof, c.publicSignals)
      const theirs = await snarkjs.groth16.verify(vkey, c.publicSignals, c.proof).catch(() => false)
      expect(ours).toBe(theirs)
    }
    expect(await checker.verify('tiny', vkey, proofs[0]!.proof, proofs[0]!.publicSignals)).toBe(true)
  })
})

describe('admission (validateRecord)', () => {
  const ctx = () => ({ network: NETWORK, now: Date.now() })

  it('accepts an honest record', async () => {
    expect(
      await validateRecord(await makeRecord({ requester, prover, circuitId, proof: proofs[0]! }), ctx()),
    ).toEqual({
      result: 'accept',
    })
  })

  it('rejects a record tampered after signing, naming the signature', async () => {
    const r = await makeRecord({ requester, prover, circuitId, proof: proofs[0]!, verdict: 'invalid' })
    const flipped = { ...r, body: { ...r.body, verdict: 'valid' as const } }
    expect(await validateRecord(flipped, ctx())).toMatchObject({ result: 'reject', code: 'BAD_SIGNATURE' })
  })

  it('rejects a verdict dated before the award it judges', async () => {
    const r = await makeRecord({ requester, prover, circuitId, proof: proofs[0]! })
    const early = await Result.sign({ ...r.body, createdAt: r.body.award.body.createdAt - 1 }, requester.key)
    expect(await validateRecord(early, ctx())).toMatchObject({ result: 'reject', code: 'INCONSISTENT' })
  })
})
