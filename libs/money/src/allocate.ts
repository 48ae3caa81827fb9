import { assertSafeMinor } from './amount';

/**
 * Split `minor` into parts proportional to `ratios` by the largest-remainder
 * method. No minor unit is lost or created: the parts always sum to `minor`,
 * and each part is the exact share `minor × ratio / Σratios` rounded down or up
 * (so it differs from it by less than one minor unit). Leftover units go to the
 * largest remainders, ties to the earliest index; a zero ratio always gets 0.
 * A negative total is split like its absolute value, then negated.
 *
 *   allocate(100n, [1n, 1n, 1n]) → [34n, 33n, 33n]
 *
 * @throws RangeError if ratios is empty, has a negative entry or sums to zero.
 */
export function allocate(minor: bigint, ratios: readonly bigint[]): bigint[] {
  assertSafeMinor(minor);
  if (ratios.length === 0) throw new RangeError('allocate needs at least one ratio');
  let total = 0n;
  for (const r of ratios) {
    if (typeof r !== 'bigint' || r < 0n) throw new RangeError(`allocation ratios must be non-negative bigints, got ${String(r)}`);
    total += r;
  }
  if (total === 0n) throw new RangeError('allocation ratios must have a positive sum');

  const negative = minor < 0n;
  const amount = negative ? -minor : minor;

  const parts = ratios.map((r) => (amount * r) / total); // bigint division floors for non-negatives
  const remainders = ratios.map((r) => (amount * r) % total);
  let leftover = amount - parts.reduce((a, b) => a + b, 0n); // always < ratios.length

  // Indices by descending remainder; Array.prototype.sort is stable, so ties keep index order.
  const order = ratios.map((_, i) => i).sort((a, b) => (remainders[b] > remainders[a] ? 1 : remainders[b] < remainders[a] ? -1 : 0));
  for (const i of order) {
    if (leftover === 0n) break;
    parts[i] += 1n;
    leftover -= 1n;
  }
  return negative ? parts.map((p) => -p) : parts;
}
