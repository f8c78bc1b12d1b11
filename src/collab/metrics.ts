/** How well a collaboration matrix recovers the true clusters, and summaries of a run. */

/**
 * ROC AUC of scores against binary labels (the probability that a random positive scores above a
 * random negative; ties count one half). NaN when either class is empty.
 */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number {
  const idx = scores.map((_, k) => k).sort((a, b) => scores[a] - scores[b]);
  let pos = 0, neg = 0, rankSum = 0;
  for (let k = 0; k < idx.length;) {
    let end = k;
    while (end + 1 < idx.length && scores[idx[end + 1]] === scores[idx[k]]) end++;
    const midRank = (k + end) / 2 + 1; // average rank of the tie group, 1-based
    for (let m = k; m <= end; m++) if (labels[idx[m]]) rankSum += midRank;
    k = end + 1;
  }
  for (const l of labels) if (l) pos++; else neg++;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** AUC of the off-diagonal w_ij against "i and j are in the same true cluster". */
export function clusterRecoveryAuc(W: readonly (readonly number[])[], clusters: readonly number[]): number {
  const scores: number[] = [], labels: boolean[] = [];
  for (let i = 0; i < W.length; i++) {
    for (let j = 0; j < W.length; j++) {
      if (i === j) continue;
      scores.push(W[i][j]);
      labels.push(clusters[i] === clusters[j]);
    }
  }
  return rocAuc(scores, labels);
}

/** The true same-cluster matrix (1 on the diagonal). */
export function clusterMatrix(clusters: readonly number[]): number[][] {
  return clusters.map((a) => clusters.map((b) => (a === b ? 1 : 0)));
}

/** Mean of the finite values (a client that could not be evaluated, NaN, does not count); NaN if none. */
export function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.reduce((a, b) => a + b, 0) / finite.length;
}
