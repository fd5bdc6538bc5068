/** Step lists (sorted ascending, as the service returns them). */

/** The listed step nearest to `target` (the earlier one on a tie); null for an empty list. */
export function nearestStep(steps: readonly number[], target: number): number | null {
  if (steps.length === 0) return null;
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((steps[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  const after = steps[lo] as number;
  const before = steps[lo - 1];
  return before !== undefined && target - before <= after - target ? before : after;
}

/** The sorted union of several step lists. */
export function unionSteps(lists: readonly (readonly number[])[]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}
