/**
 * What one client computes on its private data: the model's minibatch gradient and loss, and its
 * evaluation. A model is a flat Float32Array; one compute template per process serves every
 * client (80 clients keep 80 vectors, not 80 model objects).
 */
import type { Vector } from '../vector.js';

/** A labelled feature matrix x [N, F] row-major with labels y [N]. */
export interface LabelledSet {
  x: Float32Array;
  y: Int32Array;
  features: number;
}

/** A client's data: classification examples or text (bytes, one token per byte). */
export type ClientData =
  | { kind: 'classification'; train: LabelledSet; test: LabelledSet }
  | { kind: 'text'; train: Uint8Array; test: Uint8Array };

/** The model every client trains: an MLP classifier or a byte-level Apertus language model. */
export type ModelSpec =
  | { kind: 'mlp'; inputs: number; hidden: number; classes: number; batch: number }
  | { kind: 'lm'; preset: 'tiny'; hidden?: number; layers?: number; seqLen: number; batch: number };

export interface Evaluation {
  loss: number;
  /** accuracy in [0, 1] (classification) or perplexity (language model) */
  metric: number;
}

/** A model's compute on any client's data; parameters come in as flat vectors. */
export interface ModelTemplate {
  readonly spec: ModelSpec;
  /** number of parameters */
  readonly dim: number;
  /** 'accuracy' (higher is better) or 'perplexity' (lower is better) */
  readonly metric: 'accuracy' | 'perplexity';
  /** initial parameters from a seed */
  init(seed: number): Vector;
  /** minibatch (drawn with next) gradient at params, written into grad; returns the loss */
  gradient(params: Vector, data: ClientData, grad: Vector, next: () => number): number;
  /** minibatch loss without gradient */
  loss(params: Vector, data: ClientData, next: () => number): number;
  /** loss and metric on the client's whole test set */
  evaluate(params: Vector, data: ClientData): Evaluation;
  /** number of training examples (or tokens) */
  trainSize(data: ClientData): number;
}
