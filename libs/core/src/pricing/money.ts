/**
 * An amount of money in integer nano-dollars (1e-9 USD). Costs are integers so that adding
 * millions of them is exact; a float sum of per-token dollar costs drifts.
 */
export type NanoUsd = number;

/** Nano-dollars in one US dollar. */
export const NANO_PER_USD = 1_000_000_000;

/** The amount in (floating-point) US dollars, for display and export only; never add these. */
export function nanoToUsd(nano: NanoUsd): number {
  return nano / NANO_PER_USD;
}

/**
 * `$` and the exact amount in dollars, with at least 2 and at most 9 decimals and no trailing
 * zeros beyond the second: `123000` → `$0.000123`, `1_500_000_000` → `$1.50`, `-5` →
 * `-$0.000000005`.
 *
 * @throws RangeError when `nano` is not a safe integer.
 */
export function formatUsd(nano: NanoUsd): string {
  if (!Number.isSafeInteger(nano)) {
    throw new RangeError(`formatUsd: expected an integer number of nano-dollars, received ${nano}`);
  }
  const abs = Math.abs(nano);
  const remainder = abs % NANO_PER_USD;
  const whole = (abs - remainder) / NANO_PER_USD;
  const fraction = String(remainder).padStart(9, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${nano < 0 ? '-' : ''}$${whole}.${fraction}`;
}
