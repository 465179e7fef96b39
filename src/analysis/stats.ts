// Descriptive statistics and Student-t confidence intervals. Pure; empty input gives null,
// never 0 (a missing figure must not read as a measured zero).

export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sample standard deviation (n − 1 in the denominator); null below two values. */
export function stddev(xs: readonly number[]): number | null {
  const m = mean(xs);
  if (m === null || xs.length < 2) return null;
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** stddev ÷ mean; null when either is missing or the mean is 0 (the ratio means nothing there). */
export function coefficientOfVariation(xs: readonly number[]): number | null {
  const m = mean(xs);
  const s = stddev(xs);
  return m === null || s === null || m === 0 ? null : s / Math.abs(m);
}

export interface MeanCi {
  mean: number;
  n: number;
  /** Sample standard deviation; null for one value. */
  stddev: number | null;
  /** Bounds of the two-sided confidence interval of the mean; null for one value. */
  ciLow: number | null;
  ciHigh: number | null;
  /** Half-width of the interval (t × s ÷ √n); null for one value. */
  ciHalfWidth: number | null;
}

/** Mean with its two-sided Student-t confidence interval (default 95 %); null for no values. */
export function meanWithCi(xs: readonly number[], confidence = 0.95): MeanCi | null {
  const m = mean(xs);
  if (m === null) return null;
  const s = stddev(xs);
  if (s === null) return { mean: m, n: xs.length, stddev: null, ciLow: null, ciHigh: null, ciHalfWidth: null };
  const half = (studentTQuantile(1 - (1 - confidence) / 2, xs.length - 1) * s) / Math.sqrt(xs.length);
  return { mean: m, n: xs.length, stddev: s, ciLow: m - half, ciHigh: m + half, ciHalfWidth: half };
}

/**
 * The p-quantile of Student's t distribution with `df` degrees of freedom (p in (0, 1)), found by
 * bisection on the CDF, which is computed from the regularised incomplete beta function
 * (Numerical Recipes, 3rd ed., §6.4 and §6.14). Accurate to ~1e-10, ample for confidence intervals.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`Expected p in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`Expected df > 0, got ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast only on this side of the mean; use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(x, a, b)) / a
    : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Lentz's method for the continued fraction of the incomplete beta function. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Lanczos approximation (g = 7, n = 9), relative error below 1e-15 for positive arguments. */
export function logGamma(z: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  const zm = z - 1;
  let x = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) x += coefficients[i]! / (zm + i);
  const t = zm + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (zm + 0.5) * Math.log(t) - t + Math.log(x);
}
