import { Cobo, type CoboOptions } from './cobo.js';
import { Ditto } from './ditto.js';
import { FederatedClustering, type FcOptions } from './fc.js';
import { FedAvgFineTune, GroupAverage, Local } from './fedavg.js';
import { Ifca } from './ifca.js';
import type { LocalTraining, Strategy, StrategyName } from './strategy.js';

export { Cobo, pairProbability, projectBox, projectSimplex } from './cobo.js';
export type { CoboDomain, CoboOptions, PairSampling, PairSchedule } from './cobo.js';
export { Ditto } from './ditto.js';
export { FederatedClustering } from './fc.js';
export type { FcOptions } from './fc.js';
export { FedAvgFineTune, GroupAverage, Local } from './fedavg.js';
export { Ifca } from './ifca.js';
export { STRATEGY_NAMES } from './strategy.js';
export type { Assignment, LocalTraining, Strategy, StrategyName, StrategySetup } from './strategy.js';

/** Every method's hyperparameters (the collab config's sections). */
export interface StrategyOptions {
  training: LocalTraining;
  ditto: { lambda: number };
  fedavgFt: { fineTuneFraction: number };
  ifca: { k?: number };
  fc: Omit<FcOptions, 'lr'>;
  cobo: Omit<CoboOptions, 'lr'>;
}

export function createStrategy(name: StrategyName, o: StrategyOptions): Strategy {
  switch (name) {
    case 'local': return new Local(o.training);
    case 'fedavg': return new GroupAverage('fedavg', o.training);
    case 'oracle': return new GroupAverage('oracle', o.training);
    case 'fedavg_ft': return new FedAvgFineTune(o.training, o.fedavgFt.fineTuneFraction);
    case 'ditto': return new Ditto(o.training, o.ditto.lambda);
    case 'ifca': return new Ifca(o.training, o.ifca.k);
    case 'fc': return new FederatedClustering({ ...o.fc, lr: o.training.lr });
    case 'cobo': return new Cobo({ ...o.cobo, lr: o.training.lr });
  }
}
