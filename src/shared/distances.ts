/**
 * Small, dependency-free distances between 1D distributions for the "distance explorer": why WGAN uses
 * the Wasserstein-1 (earth mover's) distance instead of KL or Jensen-Shannon (Arjovsky et al. 2017,
 * Example 1: for distributions with disjoint supports JS is the constant ln 2 and KL is +Infinity, while
 * W1 still tells how far apart they are).
 *
 * - KL(p || q) = sum_i p_i ln(p_i / q_i) (Kullback & Leibler 1951), 0 ln 0 = 0, +Infinity where q_i = 0 < p_i.
 * - JS(p, q) = KL(p || m) / 2 + KL(q || m) / 2 with m = (p + q) / 2, in nats, 0 <= JS <= ln 2 (Lin 1991).
 * - W1 on the line = integral of |F - G| (Vallender 1973; Villani 2009): for histograms on sorted positions
 *   x_0 < ... < x_{n-1}, W1 = sum_i |sigma_i| (x_i - x_{i-1}) where sigma_{i+1} = sigma_i + a_i - b_i is
 *   the mass that crosses from bin i to bin i + 1 (sigma_0 = 0). The monotone ("north-west corner")
 *   coupling attains it, because in 1D the comonotone coupling is optimal for any convex cost.
 *
 * Everything here is pure arithmetic: no Node, Electron or tfjs imports (the renderer uses it).
 */

const LN2 = Math.LN2;

/** `amount` of mass moved from bin `from` to bin `to` (indices into the histograms). */
export interface Move {
  readonly from: number;
  readonly to: number;
  readonly amount: number;
}

export interface DiscreteEmd {
  /** Total transport cost sum(amount * |x_to - x_from|), in mass x position units (not normalised). */
  readonly distance: number;
  /** Moves of an optimal (monotone) plan; mass that stays in its bin is not listed. */
  readonly plan: Move[];
  /** sigma_0 .. sigma_n: sigma_0 = 0, sigma_{i+1} = sigma_i + a_i - b_i (sigma_n is 0 up to rounding). */
  readonly sigma: number[];
}

function checkHistogram(h: readonly number[], name: string): number {
  let total = 0;
  h.forEach((x, i) => {
    if (!Number.isFinite(x) || x < 0) throw new Error(`${name}[${i}] must be a finite mass >= 0, got ${x}`);
    total += x;
  });
  return total;
}

/**
 * Earth mover's distance between two histograms a and b of equal total mass on the same sorted positions
 * (default 0, 1, ..., n-1), with an optimal plan. Example (the blog's piles): a = [5, 2, 2, 5],
 * b = [3, 3, 5, 3] give sigma = [0, 2, 1, -2, 0] and distance 5.
 */
export function discreteEmd1d(
  a: readonly number[],
  b: readonly number[],
  positions?: readonly number[],
): DiscreteEmd {
  const n = a.length;
  if (n === 0 || b.length !== n) {
    throw new Error(`histograms must be non-empty and of the same length, got ${n} and ${b.length} bins`);
  }
  const x = positions ?? Array.from({ length: n }, (_, i) => i);
  if (x.length !== n) throw new Error(`positions must have one value per bin (${n}), got ${x.length}`);
  x.forEach((xi, i) => {
    if (!Number.isFinite(xi) || (i > 0 && xi <= (x[i - 1] as number))) {
      throw new Error(`positions must be finite and strictly increasing, got ${xi} at index ${i}`);
    }
  });
  const totalA = checkHistogram(a, 'a');
  const totalB = checkHistogram(b, 'b');
  const scale = Math.max(totalA, totalB);
  if (Math.abs(totalA - totalB) > 1e-9 * scale) {
    throw new Error(`histograms must have the same total mass, got ${totalA} and ${totalB}`);
  }
  const sigma = [0];
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const s = (sigma[i] as number) + (a[i] as number) - (b[i] as number);
    sigma.push(s);
    if (i < n - 1) distance += Math.abs(s) * ((x[i + 1] as number) - (x[i] as number));
  }
  // North-west corner rule: fill b's bins left to right from a's bins left to right.
  const plan: Move[] = [];
  const tol = 1e-12 * scale;
  let i = 0;
  let j = 0;
  let restA = a[0] as number;
  let restB = b[0] as number;
  while (i < n && j < n) {
    const amount = Math.min(restA, restB);
    if (amount > tol && i !== j) plan.push({ from: i, to: j, amount });
    restA -= amount;
    restB -= amount;
    if (restA <= tol) restA = a[++i] ?? 0;
    if (restB <= tol) restB = b[++j] ?? 0;
  }
  return { distance, plan, sigma };
}

export interface Divergences {
  /** KL(p || q) in nats; +Infinity when q_i = 0 < p_i for some bin. */
  readonly kl: number;
  /** Jensen-Shannon divergence in nats, in [0, ln 2]. */
  readonly js: number;
  /** W1 between the histograms with bins binWidth apart. */
  readonly w1: number;
}

/** ln(1 + y / x) for x > 0, y >= 0, without overflow when y / x is huge. */
function log1pRatio(y: number, x: number): number {
  return y <= x ? Math.log1p(y / x) : Math.log(y) - Math.log(x) + Math.log1p(x / y);
}

/**
 * KL, JS and W1 between two histograms on the same bins (counts are fine: both are normalised to
 * sum 1 first). W1 is sum_i |P_i - Q_i| * binWidth over the cumulative sums P, Q (unit spacing by default).
 */
export function histogramDivergences(p: readonly number[], q: readonly number[], binWidth = 1): Divergences {
  if (p.length === 0 || q.length !== p.length) {
    throw new Error(
      `histograms must be non-empty and of the same length, got ${p.length} and ${q.length} bins`,
    );
  }
  if (!(binWidth > 0) || !Number.isFinite(binWidth)) throw new Error(`binWidth must be > 0, got ${binWidth}`);
  const sp = checkHistogram(p, 'p');
  const sq = checkHistogram(q, 'q');
  if (sp === 0 || sq === 0) throw new Error('each histogram needs a positive total mass');
  let kl = 0;
  let js = 0;
  let cumulative = 0;
  let w1 = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    if (pi > 0) {
      kl += qi > 0 ? pi * (Math.log(pi) - Math.log(qi)) : Infinity;
      js += 0.5 * pi * (LN2 - log1pRatio(qi, pi)); // p ln(p / m) = p (ln 2 - ln(1 + q / p))
    }
    if (qi > 0) js += 0.5 * qi * (LN2 - log1pRatio(pi, qi));
    cumulative += pi - qi;
    if (i < p.length - 1) w1 += Math.abs(cumulative);
  }
  return { kl: Math.max(0, kl), js: Math.min(LN2, Math.max(0, js)), w1: w1 * binWidth };
}

/** ln 2 - ln(1 + e^g) = -ln((1 + e^g) / 2), accurate near g = 0 and without overflow for large g. */
function ln2MinusSoftplus(g: number): number {
  return g < 30 ? -Math.log1p(Math.expm1(g) / 2) : LN2 - g - Math.log1p(Math.exp(-g));
}

const HALF_WIDTH = 12; // standard deviations; the normal density beyond is below 1e-31
const STEPS = 4800; // Simpson intervals over [-12, 12] (h = 0.005)

/** Simpson's rule over [-12, 12] of exp(-u^2 / 2) f(u), unnormalised. */
function simpsonGauss(f: (u: number) => number): number {
  const h = (2 * HALF_WIDTH) / STEPS;
  let sum = 0;
  for (let k = 0; k <= STEPS; k++) {
    const u = -HALF_WIDTH + k * h;
    const w = k === 0 || k === STEPS ? 1 : k % 2 === 1 ? 4 : 2;
    sum += w * Math.exp(-0.5 * u * u) * f(u);
  }
  return sum;
}

let gaussMass = 0; // simpsonGauss(1), computed once: dividing by it makes the quadrature exact for constants

/**
 * JS(N(0, 1), N(delta, 1)), by Simpson's rule. By the reflection x -> delta - x, KL(q || m) = KL(p || m),
 * so JS = KL(p || m) = integral of phi(u) [ln 2 - ln(1 + q(u) / p(u))] du with
 * ln(q / p) = delta (u - delta / 2).
 */
function gaussianShiftJs(delta: number): number {
  if (delta === 0) return 0;
  if (gaussMass === 0) gaussMass = simpsonGauss(() => 1);
  const js = simpsonGauss((u) => ln2MinusSoftplus(delta * (u - delta / 2))) / gaussMass;
  return Math.min(LN2, Math.max(0, js));
}

export interface ShiftRow extends Divergences {
  /** theta: the mean of the shifted copy N(theta, sigma^2). */
  readonly shift: number;
  /** The same three quantities between the two densities discretised on the grid (NaN if off the grid). */
  readonly histogram: Divergences;
}

export interface ShiftExplorer {
  readonly sigma: number;
  /** The grid: `bins` bins of width binWidth covering [lo, hi]. */
  readonly lo: number;
  readonly hi: number;
  readonly bins: number;
  readonly binWidth: number;
  readonly rows: ShiftRow[];
}

export interface ShiftExplorerOptions {
  /** Standard deviation of both distributions (default 1). */
  readonly sigma?: number;
  readonly shifts: readonly number[];
  /** Number of histogram bins (default 1000). */
  readonly bins?: number;
  /** Histogram range; default [min(0, shifts) - 6 sigma, max(0, shifts) + 6 sigma]. */
  readonly range?: readonly [number, number];
}

/**
 * The divergences between p = N(0, sigma^2) and q = N(theta, sigma^2) for each theta in `shifts`:
 * - kl: the closed form KL = theta^2 / (2 sigma^2). For equal-variance Gaussians the continuous KL never
 *   saturates: it grows quadratically.
 * - js: the continuous JS, by Simpson's rule on the densities (absolute error below 1e-12); it grows like
 *   theta^2 / (8 sigma^2) near 0 and saturates at ln 2 (equal to it in double precision once
 *   |theta| > ~16 sigma).
 * - w1: exactly |theta| (a translation moves every unit of mass by |theta|).
 * - histogram: the same three from histogramDivergences on p and q discretised to one fixed grid: bin
 *   mass proportional to the density at the bin centre, renormalised over the grid. In double precision
 *   exp(-z^2 / 2) is exactly 0 beyond |z| ~ 38.6, so each discretised density has a bounded support, as a
 *   histogram of samples has: KL jumps from ~theta^2 / (2 sigma^2) to +Infinity as soon as a bin where p
 *   has mass is more than ~38.6 sigma from theta (|theta| > ~32.6 sigma on the default grid), and JS is
 *   ln 2 (to rounding) once the supports are disjoint (|theta| > ~77 sigma; in double precision already
 *   from ~16 sigma). Histogram W1 stays within a bin width of |theta| while both densities fit the grid.
 */
export function shiftExplorer(options: ShiftExplorerOptions): ShiftExplorer {
  const sigma = options.sigma ?? 1;
  const bins = options.bins ?? 1000;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`sigma must be > 0, got ${sigma}`);
  if (!Number.isInteger(bins) || bins < 2) throw new Error(`bins must be an integer >= 2, got ${bins}`);
  options.shifts.forEach((t) => {
    if (!Number.isFinite(t)) throw new Error(`shifts must be finite, got ${t}`);
  });
  const [lo, hi] = options.range ?? [
    options.shifts.reduce((m, t) => Math.min(m, t), 0) - 6 * sigma,
    options.shifts.reduce((m, t) => Math.max(m, t), 0) + 6 * sigma,
  ];
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new Error(`range must be finite with lo < hi, got [${lo}, ${hi}]`);
  }
  const binWidth = (hi - lo) / bins;
  const discretise = (mean: number): number[] =>
    Array.from({ length: bins }, (_, k) =>
      Math.exp(-0.5 * ((lo + (k + 0.5) * binWidth - mean) / sigma) ** 2),
    );
  const base = discretise(0);
  const nan: Divergences = { kl: Number.NaN, js: Number.NaN, w1: Number.NaN };
  const hasMass = (h: number[]): boolean => h.some((x) => x > 0);
  const rows = options.shifts.map((shift): ShiftRow => {
    const copy = discretise(shift);
    return {
      shift,
      kl: (shift * shift) / (2 * sigma * sigma),
      js: gaussianShiftJs(Math.abs(shift) / sigma),
      w1: Math.abs(shift),
      histogram: hasMass(base) && hasMass(copy) ? histogramDivergences(base, copy, binWidth) : nan,
    };
  });
  return { sigma, lo, hi, bins, binWidth, rows };
}
