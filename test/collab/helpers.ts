export { clusterRecoveryAuc, createStrategy, GroupAverage, pairProbability, projectBox, projectSimplex, rocAuc } from '../../src/collab/index.js';
export { weightedMean as weightedMeanForTest } from '../../src/collab/vector.js';
