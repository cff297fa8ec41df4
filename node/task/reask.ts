import { z } from 'zod'
import { price } from '../../protocol/codec/schema.ts'

/**
 * What a requester does when an auction ends with nobody to prove: ask again, at a higher price each time, up
 * to its ceiling, at most `maxAsks` asks in all. The first ask offers `startPrice`; ask k offers
 * min(ceiling, startPrice × (100 + raisePercent)^k / 100^k).
 */
export const ReaskPolicy = z.strictObject({
  startPrice: price,
  ceiling: price,
  maxAsks: z.number().int().min(1).max(16),
  raisePercent: z.number().int().min(0).max(1000),
})
export type ReaskPolicy = z.output<typeof ReaskPolicy>

export const REASK_DEFAULTS = { maxAsks: 3, raisePercent: 50 }

/** The price offered by ask number `attempt` (0 for the first). */
export function priceFor(policy: ReaskPolicy, attempt: number): bigint {
  let price = policy.startPrice
  for (let i = 0; i < attempt && price < policy.ceiling; i++) {
    // Raise by at least one unit, so that a price of 0 or a tiny one still moves.
    const raised = (price * BigInt(100 + policy.raisePercent)) / 100n
    price = raised > price ? raised : price + 1n
  }
  // biome-ignore lint/complexity/useMathMinMax: prices are bigints, which Math.min does not take
  return price < policy.ceiling ? price : policy.ceiling
}
