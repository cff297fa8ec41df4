pragma circom 2.1.0;

// Tiny circuit for fast tests: proves knowledge of a and b, with neither equal to 1, such that
// a * b = c (a toy "I know a factorisation of c"). c is a public output; `nonce` is a public input
// that is bound into the proof only so tests have a public input to tamper with.
template Tiny() {
  signal input a;
  signal input b;
  signal input nonce;
  signal output c;

  c <== a * b;

  // Rule out the trivial factorisation 1 * c: a - 1 and b - 1 must have inverses.
  signal invA;
  signal invB;
  invA <-- 1 / (a - 1);
  invB <-- 1 / (b - 1);
  (a - 1) * invA === 1;
  (b - 1) * invB === 1;

  // A public input not used in any constraint could be swapped freely (Groth16 only binds public
  // inputs that appear in the constraint system), so square it into a dummy constraint.
  signal nonceSquared;
  nonceSquared <== nonce * nonce;
}

component main { public [nonce] } = Tiny();
