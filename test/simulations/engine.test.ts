import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BehaviourEngine } from '../../simulations/prover/behaviour.ts'
import { CannedProofs, type CircuitBuild, readBuild } from '../../simulations/prover/canned.ts'
import { SimulatedEngine } from '../../simulations/prover/simulated-engine.ts'
import { Rng } from '../../simulations/random.ts'
import { circuitDir } from '../helpers/network.ts'

const input = { a: '3', b: '11', nonce: '42' }

describe('the simulated prover', () => {
  let build: CircuitBuild
  let proofs: CannedProofs
  const engine = () =>
    new SimulatedEngine({ proofs, proving: { dist: 'constant', ms: 30 }, rng: new Rng('e') })
  const req = () => ({
    circuitId: 'c',
    wasmPath: join(build.dir, 'tiny.wasm'),
    zkeyPath: join(build.dir, 'tiny.zkey'),
    input,
  })

  beforeAll(async () => {
    build = await readBuild(circuitDir('tiny'))
    proofs = await CannedProofs.make(build, [input])
  })

  afterAll(async () => {
    await globalThis.curve_bn128?.terminate()
  })

  it('returns a real proof of the input, which it and snarkjs both accept', async () => {
    const e = engine()
    await e.start()
    await e.start()
    const r = await e.prove(req())
    expect(r.ms).toBe(30)
    expect(r.publicSignals).toEqual(['33', '42'])
    const signals = await e.publicSignals({ circuitId: 'c', wasmPath: '', input, nPublic: 2 })
    expect(signals).toEqual(r.publicSignals)
    expect(
      await e.verify({ circuitId: 'c', vkey: build.vkey as never, proof: r.proof, publicSignals: signals }),
    ).toBe(true)
    expect(await snarkjs.groth16.verify(build.vkey as never, r.publicSignals, r.proof)).toBe(true)
    // Other signals, or an input it did not prepare, are refused.
    expect(
      await e.verify({
        circuitId: 'c',
        vkey: build.vkey as never,
        proof: r.proof,
        publicSignals: ['33', '43'],
      }),
    ).toBe(false)
    await expect(
      e.publicSignals({ circuitId: 'c', wasmPath: '', input: { a: '5' }, nPublic: 2 }),
    ).rejects.toThrow(/no stored proof/)
    await e.stop()
    await e.stop()
    await expect(e.prove(req())).rejects.toThrow(/not started/)
  })

  it('invalid-proof delivers a proof that neither it nor snarkjs accepts', async () => {
    const e = new BehaviourEngine(engine(), { behaviour: 'invalid-proof', rng: new Rng('b') })
    await e.start()
    const r = await e.prove(req())
    expect(
      await e.verify({
        circuitId: 'c',
        vkey: build.vkey as never,
        proof: r.proof,
        publicSignals: r.publicSignals,
      }),
    ).toBe(false)
    expect(await snarkjs.groth16.verify(build.vkey as never, r.publicSignals, r.proof)).toBe(false)
    await e.stop()
  })

  it('no-show never delivers: its proof ends only when the deadline aborts it', async () => {
    const e = new BehaviourEngine(engine(), { behaviour: 'no-show', rng: new Rng('n') })
    await e.start()
    const deadline = new AbortController()
    const pending = e.prove(req(), deadline.signal)
    const early = await Promise.race([
      pending.then(
        () => 'proved',
        () => 'failed',
      ),
      new Promise((r) => setTimeout(() => r('waiting'), 200)),
    ])
    expect(early).toBe('waiting')
    deadline.abort(new Error('deadline'))
    await expect(pending).rejects.toThrow('deadline')
    await e.stop()
  })

  it('a slow prover adds its extra delay', async () => {
    const e = new BehaviourEngine(engine(), {
      behaviour: 'honest',
      extraDelay: { dist: 'constant', ms: 120 },
      rng: new Rng('s'),
    })
    await e.start()
    const r = await e.prove(req())
    expect(r.ms).toBeGreaterThanOrEqual(140)
    await e.stop()
  })
})
