/**
 * Linear assignment problem: given an n x n cost matrix C (row-major), find the permutation s minimising
 * sum_i C[i][s(i)]. Solved by the Hungarian method in its shortest-augmenting-path form with dual
 * potentials (Kuhn 1955; Tomizawa 1971; Jonker & Volgenant 1987), organised as in Crouse 2016 ("On
 * implementing 2D rectangular assignment algorithms", Algorithm 1): after a column reduction, the rows left
 * unmatched are inserted one at a time, each by a Dijkstra search over reduced costs C[i][j] - u[i] - v[j] >= 0 that stops at the first free column,
 * followed by one dual update and an augmentation along the path. O(n^3) time, O(n) extra memory.
 *
 * The returned potentials are an optimality certificate (LP duality): u[i] + v[j] <= C[i][j] for every
 * pair, with equality on the assignment, so sum(u) + sum(v) = total (both up to rounding).
 */
export interface AssignmentResult {
  /** assignment[i] is the column matched to row i (a permutation of 0..n-1). */
  readonly assignment: Int32Array;
  /** sum_i cost[i * n + assignment[i]], summed in row order. */
  readonly total: number;
  /** Dual potential u of each row. */
  readonly rowPotential: Float64Array;
  /** Dual potential v of each column. */
  readonly colPotential: Float64Array;
}

/** Minimum-cost perfect matching of an n x n row-major cost matrix with finite entries. */
export function solveAssignment(cost: Float64Array, n: number): AssignmentResult {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`assignment size must be a non-negative integer, got ${n}`);
  }
  if (cost.length !== n * n) throw new Error(`cost must be n x n = ${n * n} values, got ${cost.length}`);
  for (let k = 0; k < cost.length; k++) {
    if (!Number.isFinite(cost[k])) throw new Error(`cost[${k}] is not finite (${cost[k]})`);
  }
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  const colOfRow = new Int32Array(n).fill(-1);
  const rowOfCol = new Int32Array(n).fill(-1);
  const pathRow = new Int32Array(n); // row preceding column j on its shortest alternating path
  const dist = new Float64Array(n); // shortest reduced path length from the inserted row to column j
  const cols = new Int32Array(n); // cols[0..left) not yet reached; cols[left..n) reached, in the tree
  const rows = new Int32Array(n); // rows reached by the search, the inserted row first

  // Column reduction (Jonker & Volgenant 1987): v[j] = min_i C[i][j] keeps every reduced cost >= 0 with
  // u = 0, and each column's minimum edge is tight, so it can be matched before any search.
  for (let j = 0; j < n; j++) {
    let best = 0;
    for (let r = 1; r < n; r++) if ((cost[r * n + j] as number) < (cost[best * n + j] as number)) best = r;
    v[j] = cost[best * n + j] as number;
    if (colOfRow[best] === -1) {
      colOfRow[best] = j;
      rowOfCol[j] = best;
    }
  }

  for (let start = 0; start < n; start++) {
    if (colOfRow[start] !== -1) continue;
    for (let j = 0; j < n; j++) {
      cols[j] = j;
      dist[j] = Infinity;
    }
    let left = n;
    let reached = 0;
    let minVal = 0;
    let i = start;
    let sink = -1;
    while (sink < 0) {
      rows[reached++] = i;
      const base = i * n;
      const offset = minVal - (u[i] as number);
      let lowest = Infinity;
      let index = -1;
      for (let k = 0; k < left; k++) {
        const j = cols[k] as number;
        const r = offset + (cost[base + j] as number) - (v[j] as number);
        let dj = dist[j] as number;
        if (r < dj) {
          dj = r;
          dist[j] = r;
          pathRow[j] = i;
        }
        // On ties prefer a free column: the search ends sooner (matters for matrices with many ties).
        if (dj < lowest || (dj === lowest && rowOfCol[j] === -1)) {
          lowest = dj;
          index = k;
        }
      }
      minVal = lowest;
      const j = cols[index] as number;
      const owner = rowOfCol[j] as number;
      if (owner === -1) sink = j;
      else i = owner;
      left--;
      cols[index] = cols[left] as number;
      cols[left] = j;
    }
    // Dual update: keeps every reduced cost >= 0 and makes the path's edges tight.
    u[start] = (u[start] as number) + minVal;
    for (let k = 1; k < reached; k++) {
      const r = rows[k] as number;
      u[r] = (u[r] as number) + minVal - (dist[colOfRow[r] as number] as number);
    }
    for (let k = left; k < n; k++) {
      const j = cols[k] as number;
      v[j] = (v[j] as number) - (minVal - (dist[j] as number));
    }
    // Augment: flip the alternating path from the free column back to the inserted row.
    for (let j = sink; ;) {
      const r = pathRow[j] as number;
      rowOfCol[j] = r;
      const previous = colOfRow[r] as number;
      colOfRow[r] = j;
      if (r === start) break;
      j = previous;
    }
  }

  let total = 0;
  for (let r = 0; r < n; r++) total += cost[r * n + (colOfRow[r] as number)] as number;
  return { assignment: colOfRow, total, rowPotential: u, colPotential: v };
}
