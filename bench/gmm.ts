// The Gaussian mixture model objective of ADBench (Srajer, Kukelova and Fitzgibbon, "A
// benchmark of selected algorithmic differentiation tools on some problems in computer
// vision and machine learning", 2018, section 4.1; the C++ reference is gmm_objective in
// microsoft/ADBench src/cpp/shared/gmm.h), written as ordinary TypeScript over Float64Arrays.
//
// K components in d dimensions, n points. Component c has a log-weight alphas[c] (weights
// exp(alphas) / Σ exp(alphas)), a mean means[c·d .. c·d + d) and a precision matrix QᵀQ,
// where Q is lower triangular and given by icf[c·s .. c·s + s), s = d(d + 1)/2: first the
// logs of its diagonal, then the entries below the diagonal, column by column. With a
// Wishart prior of parameters γ and m on the precisions, the objective is
//
//   -nd/2 log 2π + Σ_points logsumexp_c(alphas[c] + Σ log diag Q_c - ½ |Q_c (x - μ_c)|²)
//   - n logsumexp(alphas)
//   + Σ_c (½ γ² (|diag Q_c|² + |offdiag Q_c|²) - m Σ log diag Q_c) - K C(d, γ, m)
//
// with C(d, γ, m) = νd (log γ - ½ log 2) - log Γ_d(ν/2), ν = d + m + 1, as ADBench defines it
// (signs included: ADBench's terms, not a normalised log-posterior).

/** The Wishart prior's parameters. */
export interface Wishart {
  readonly gamma: number;
  readonly m: number;
}

/**
 * log Γ_p(a), the multivariate gamma function, for a and p such that every a + (1 - j)/2
 * (j = 1 … p) is a positive multiple of ½, as when m is a whole number: exact, by Γ(1) = 1,
 * Γ(½) = √π and Γ(x + 1) = x Γ(x).
 */
export function logMultivariateGamma(a: number, p: number): number {
  let result = 0.25 * p * (p - 1) * Math.log(Math.PI);
  for (let j = 1; j <= p; j++) {
    let x = a + 0.5 * (1 - j);
    if (x <= 0 || !Number.isInteger(2 * x)) throw new Error(`logMultivariateGamma: ${x} is not a positive multiple of 1/2`);
    let logGamma = Number.isInteger(x) ? 0 : 0.5 * Math.log(Math.PI);
    for (x -= 1; x > 0; x -= 1) logGamma += Math.log(x);
    result += logGamma;
  }
  return result;
}

/** The constant of the prior, per component: C(d, γ, m) above. */
export function wishartConstant(d: number, wishart: Wishart): number {
  const nu = d + wishart.m + 1;
  return nu * d * (Math.log(wishart.gamma) - 0.5 * Math.log(2)) - logMultivariateGamma(0.5 * nu, d);
}

/**
 * The objective above; `x` holds the n points one after the other, `wishartC` is
 * `wishartConstant(d, wishart)` (it depends on neither of the differentiated parameters).
 */
export function gmmObjective(alphas: Float64Array, means: Float64Array, icf: Float64Array, x: Float64Array, wishart: Wishart, wishartC: number): number {
  const k = alphas.length;
  const d = means.length / k;
  const n = x.length / d;
  const size = (d * (d + 1)) / 2;

  // Each component's diagonal of Q, and the sum of its logs.
  const qDiagonals = new Float64Array(k * d);
  const logDeterminants = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const q = icf[c * size + j];
      sum += q;
      qDiagonals[c * d + j] = Math.exp(q);
    }
    logDeterminants[c] = sum;
  }

  const centered = new Float64Array(d);
  const product = new Float64Array(d);
  const terms = new Float64Array(k);
  let pointTerms = 0;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < k; c++) {
      // Q_c (x_p - μ_c): the diagonal part, then the lower triangle column by column.
      for (let j = 0; j < d; j++) {
        centered[j] = x[p * d + j] - means[c * d + j];
        product[j] = qDiagonals[c * d + j] * centered[j];
      }
      let l = c * size + d;
      for (let i = 0; i < d; i++) {
        for (let j = i + 1; j < d; j++) {
          product[j] += icf[l] * centered[i];
          l++;
        }
      }
      let squares = 0;
      for (let j = 0; j < d; j++) squares += product[j] * product[j];
      terms[c] = alphas[c] + logDeterminants[c] - 0.5 * squares;
    }
    pointTerms += logSumExp(terms);
  }

  let prior = 0;
  for (let c = 0; c < k; c++) {
    let frobenius = 0;
    for (let j = 0; j < d; j++) frobenius += qDiagonals[c * d + j] * qDiagonals[c * d + j];
    for (let l = d; l < size; l++) frobenius += icf[c * size + l] * icf[c * size + l];
    prior += 0.5 * wishart.gamma * wishart.gamma * frobenius - wishart.m * logDeterminants[c];
  }
  return -0.5 * n * d * Math.log(2 * Math.PI) + pointTerms - n * logSumExp(alphas) + prior - k * wishartC;
}

/** log Σ exp(v_i), computed from the largest v_i so that no exp overflows. */
export function logSumExp(values: Float64Array): number {
  let largest = values[0];
  for (let i = 1; i < values.length; i++) largest = Math.max(largest, values[i]);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - largest);
  return Math.log(sum) + largest;
}

export type GmmArguments = [alphas: Float64Array, means: Float64Array, icf: Float64Array, x: Float64Array, wishart: Wishart, wishartC: number];

/**
 * Data like ADBench's generator's: standard normal log-weights, factors and points, means
 * uniform in [0, 1), and the prior γ = 1, m = 0.
 */
export function gmmInput(random: () => number, d: number, k: number, n: number): GmmArguments {
  const normal = (count: number) => {
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return values;
  };
  const means = new Float64Array(k * d);
  for (let i = 0; i < means.length; i++) means[i] = random();
  const wishart = { gamma: 1, m: 0 };
  return [normal(k), means, normal((k * d * (d + 1)) / 2), normal(n * d), wishart, wishartConstant(d, wishart)];
}
