/**
 * The client side of a round: what a strategy asks a client to compute on its private data, and
 * the one function that computes it (in the simulation's process or in a `collab join` process:
 * the same code, so the two agree bit for bit for the same request seeds).
 */
import { uniform } from './random.js';
import type { ClientData, ModelTemplate } from './tasks/index.js';
import { axpy, type Vector } from './vector.js';

export type WorkRequest =
  /** one minibatch gradient at `model` (CoBo, Federated Clustering) */
  | { kind: 'grad'; model: Vector; seed: number }
  /**
   * `steps` of minibatch SGD from `model` (or, with `candidates`, from the candidate with the lowest
   * minibatch loss: IFCA), optionally with a proximal term lambda/2 ||x - center||^2 (Ditto)
   */
  | { kind: 'train'; model?: Vector; candidates?: Vector[]; steps: number; lr: number; seed: number;
      prox?: { center: Vector; lambda: number } }
  /** loss and metric on the client's test set */
  | { kind: 'evaluate'; model: Vector };

export interface WorkResult {
  /** trained model ('train') */
  model?: Vector;
  /** gradient ('grad') */
  grad?: Vector;
  /** mean minibatch loss over the work, or the test loss ('evaluate') */
  loss: number;
  /** test metric ('evaluate') */
  metric?: number;
  /** index of the candidate trained from ('train' with candidates) */
  chosen?: number;
  /** training examples the client holds (FedAvg weights) */
  samples: number;
  /** minibatch gradient evaluations spent */
  gradEvals: number;
  /** minibatch loss-only evaluations spent (IFCA's choice) */
  lossEvals: number;
}

/** The local update: computes one request on one client's data. */
export function runWork(template: ModelTemplate, data: ClientData, request: WorkRequest): WorkResult {
  const samples = template.trainSize(data);
  switch (request.kind) {
    case 'grad': {
      const grad = new Float32Array(template.dim);
      const loss = template.gradient(request.model, data, grad, uniform(request.seed));
      return { grad, loss, samples, gradEvals: 1, lossEvals: 0 };
    }
    case 'evaluate': {
      const e = template.evaluate(request.model, data);
      return { loss: e.loss, metric: e.metric, samples, gradEvals: 0, lossEvals: 0 };
    }
    case 'train':
      return train(template, data, request, samples);
  }
}

function train(template: ModelTemplate, data: ClientData, request: Extract<WorkRequest, { kind: 'train' }>,
  samples: number): WorkResult {
  const next = uniform(request.seed);
  let start = request.model;
  let chosen: number | undefined;
  let lossEvals = 0;
  if (request.candidates) {
    // IFCA: every candidate is scored on the same minibatch (one seed), the lowest loss wins.
    const batchSeed = Math.floor(next() * 2 ** 32);
    let best = Infinity;
    request.candidates.forEach((c, k) => {
      const l = template.loss(c, data, uniform(batchSeed));
      lossEvals++;
      if (l < best) {
        best = l;
        chosen = k;
      }
    });
    start = request.candidates[chosen ?? 0];
  }
  if (!start) throw new Error('train request: neither a model nor candidates');
  const x = new Float32Array(start);
  const grad = new Float32Array(template.dim);
  let total = 0;
  for (let s = 0; s < request.steps; s++) {
    total += template.gradient(x, data, grad, next);
    if (request.prox) {
      // grad += lambda (x - center)
      axpy(request.prox.lambda, x, grad);
      axpy(-request.prox.lambda, request.prox.center, grad);
    }
    axpy(-request.lr, grad, x);
  }
  return { model: x, loss: request.steps ? total / request.steps : 0, chosen, samples, gradEvals: request.steps, lossEvals };
}
