/**
 * Minimal ambient types for snarkjs 0.7 (it ships no declarations). Only the calls this project
 * makes are declared; extend as needed. Values that snarkjs passes through untouched are typed as
 * records/unknown rather than `any`.
 */
declare module 'snarkjs' {
  /** snarkjs reports progress through any console-like object; omit it for silence. */
  export interface Logger {
    debug(message: string): void
    info(message: string): void
    warn(message: string): void
    error(message: string): void
  }

  /** A file path, or the file's bytes already in memory. */
  export type FileSource = string | Uint8Array

  /** Circuit input: signal name -> value (decimal strings avoid precision loss), arrays nest. */
  export type SignalValue = string | number | bigint | SignalValue[]
  export type CircuitInput = Record<string, SignalValue>

  /** Public signals as decimal strings: circuit outputs first, then public inputs. */
  export type PublicSignals = string[]

  export interface Groth16Proof {
    pi_a: string[]
    pi_b: string[][]
    pi_c: string[]
    protocol: string
    curve: string
  }

  /** Content of verification_key.json; the curve points are kept opaque. */
  export interface VerificationKey {
    protocol: string
    curve: string
    nPublic: number
    [field: string]: unknown
  }

  /** What r1cs.info returns (it parses the whole file; only the header fields are declared). */
  export interface R1csInfo {
    nVars: number
    nOutputs: number
    nPubInputs: number
    nPrvInputs: number
    nLabels: number
    nConstraints: number
    prime: bigint
  }

  export namespace groth16 {
    function fullProve(
      input: CircuitInput,
      wasm: FileSource,
      zkey: FileSource,
      logger?: Logger,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>
    function prove(
      zkey: FileSource,
      wtns: FileSource | MemFile,
      logger?: Logger,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>
    function verify(
      vkey: VerificationKey,
      publicSignals: PublicSignals,
      proof: Groth16Proof,
      logger?: Logger,
    ): Promise<boolean>
    /** Comma-separated Solidity calldata: `[a],[[b]],[c],[inputs]`. */
    function exportSolidityCallData(proof: Groth16Proof, publicSignals: PublicSignals): Promise<string>
  }

  export namespace zKey {
    /** Groth16 phase-2 setup. Resolves to the circuit hash, or -1 on failure (it does not throw). */
    function newZKey(
      r1cs: FileSource,
      ptau: FileSource,
      zkeyOut: string,
      logger?: Logger,
    ): Promise<Uint8Array | -1>
    /** Deterministic phase-2 contribution. Resolves to the contribution hash, or false on bad arguments. */
    function beacon(
      zkeyIn: FileSource,
      zkeyOut: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: Logger,
    ): Promise<Uint8Array | false>
    function exportVerificationKey(zkey: FileSource, logger?: Logger): Promise<VerificationKey>
    function verifyFromR1cs(
      r1cs: FileSource,
      ptau: FileSource,
      zkey: FileSource,
      logger?: Logger,
    ): Promise<boolean>
  }

  export namespace r1cs {
    function info(r1cs: FileSource, logger?: Logger): Promise<R1csInfo>
  }

  /** An in-memory file, for witnesses that need not touch the disk. */
  export interface MemFile {
    type: 'mem'
    data?: Uint8Array
  }

  export namespace wtns {
    /** Runs the circuit's witness generator on `input`; throws if an assertion in the circuit fails. */
    function calculate(input: CircuitInput, wasm: FileSource, wtnsOut: string | MemFile): Promise<void>
    /** The witness as field elements; index 0 is the constant 1, then outputs and public inputs. */
    function exportJson(wtns: string | MemFile): Promise<bigint[]>
  }
}

/**
 * ffjavascript caches the bn128 curve, with its worker threads, on globalThis. Those workers keep
 * the process alive: call `await globalThis.curve_bn128?.terminate()` when done proving.
 */
declare var curve_bn128: { terminate(): Promise<void> } | null | undefined
