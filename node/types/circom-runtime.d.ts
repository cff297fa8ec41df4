declare module 'circom_runtime' {
  /** A compiled circom witness generator; build once per circuit, then reuse. */
  export interface WitnessCalculator {
    /** The witness as field elements: index 0 is 1, then outputs, public inputs, private signals. */
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>
    /** The witness serialised as a .wtns file, ready for groth16.prove. */
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>
  }
  export function WitnessCalculatorBuilder(
    wasm: Uint8Array,
    options?: Record<string, unknown>,
  ): Promise<WitnessCalculator>
}
