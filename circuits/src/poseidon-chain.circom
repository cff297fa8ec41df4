pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";

// A chain of Poseidon hashes: state_0 = seed, state_{i+1} = Poseidon(state_i, i), out = state_ROUNDS.
// Proves knowledge of a private seed that hashes to the public output. It exists as a
// medium-sized benchmark workload: each circomlib Poseidon(2) costs 237 constraints after circom's
// --O2 simplification (the build uses --O2), so the size is set by ROUNDS in the main component.
template PoseidonChain(ROUNDS) {
  signal input seed;
  signal output out;

  signal state[ROUNDS + 1];
  component hash[ROUNDS];

  state[0] <== seed;
  for (var i = 0; i < ROUNDS; i++) {
    hash[i] = Poseidon(2);
    hash[i].inputs[0] <== state[i];
    // The round index keeps every step distinct, so the chain cannot be shortened by a cycle.
    hash[i].inputs[1] <== i;
    state[i + 1] <== hash[i].out;
  }
  out <== state[ROUNDS];
}

// 72 rounds * 237 = 17,064 constraints: a bit over 2^14, so it needs a power-15 ptau.
component main = PoseidonChain(72);
