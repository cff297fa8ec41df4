#!/usr/bin/env bash
# Regenerates circuits/ptau/pot${POWER}_final.ptau, the DEVELOPMENT powers of tau.
#
# INSECURE BY DESIGN: every bit of randomness below is a constant in this file, so anyone can
# recompute tau (the "toxic waste") and forge Groth16 proofs for any circuit set up from it.
# Use it for tests and demos only. See README.md for using a public ceremony file instead.
#
# Why beacons instead of `powersoftau contribute -e ...`: snarkjs mixes 64 bytes from the OS RNG
# into the `-e` entropy (misc.getRandomRng), so a "fixed entropy" contribution is not
# reproducible. A beacon contribution derives its key only from the previous challenge hash and
# the beacon hash, so the whole chain below is byte-for-byte reproducible.
#
# Usage (from the repository root):  bash circuits/ptau/generate.sh      (POWER=15 by default)
# Takes ~12 min at power 15 on a 2-core machine; `prepare phase2` is by far the slowest step.
set -euo pipefail

POWER="${POWER:-15}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SNARKJS=(node "$ROOT/node_modules/snarkjs/build/cli.cjs")
OUT="$HERE/pot${POWER}_final.ptau"

# sha256("zkp-node dev powers of tau: contribution 1 (INSECURE, public entropy)")
CONTRIBUTION_HASH=9c478c39d22e4146175496f83e03115221bd7e0150ea43f1df9f5a64be31b397
# sha256("zkp-node dev powers of tau: final beacon (INSECURE, public entropy)")
BEACON_HASH=3457d4d3c003e28d60e2917edfef51d032f29a188a2948b63ed45d021f4f840e
# 2^10 hash iterations: the minimum snarkjs accepts; the delay buys nothing for public entropy.
ITERATIONS_EXP=10

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

step() {
  local start=$SECONDS
  echo "==> $1"
  shift
  "$@"
  echo "    done in $((SECONDS - start)) s"
}

step "powersoftau new bn128 $POWER" \
  "${SNARKJS[@]}" powersoftau new bn128 "$POWER" "$TMP/pot_0000.ptau"
step "contribution 1 (fixed entropy, deterministic)" \
  "${SNARKJS[@]}" powersoftau beacon "$TMP/pot_0000.ptau" "$TMP/pot_0001.ptau" \
  "$CONTRIBUTION_HASH" "$ITERATIONS_EXP" -n="zkp-node dev contribution 1 (INSECURE)"
step "final beacon" \
  "${SNARKJS[@]}" powersoftau beacon "$TMP/pot_0001.ptau" "$TMP/pot_beacon.ptau" \
  "$BEACON_HASH" "$ITERATIONS_EXP" -n="zkp-node dev final beacon (INSECURE)"
step "prepare phase2" \
  "${SNARKJS[@]}" powersoftau prepare phase2 "$TMP/pot_beacon.ptau" "$TMP/pot_final.ptau"
step "verify" \
  "${SNARKJS[@]}" powersoftau verify "$TMP/pot_final.ptau"

mv "$TMP/pot_final.ptau" "$OUT"
echo "wrote $OUT"
sha256sum "$OUT" 2>/dev/null || shasum -a 256 "$OUT"
