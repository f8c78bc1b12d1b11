/** Seeded randomness for initialisation and sampling, so that runs reproduce. */

import { uniform } from '../util/random.js';

export { uniform } from '../util/random.js';

/** Standard normal samples (Box-Muller over `uniform`). */
export function normal(seed: number): () => number {
  const next = uniform(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - next(); // (0, 1]: log(u) is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * next();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}
