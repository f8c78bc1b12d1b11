/** Seeds for every random choice of a run, derived from one seed so runs reproduce anywhere. */
import { uniform } from '../model/index.js';

export { uniform };

/** A 32-bit seed from a list of integers (splitmix-style mixing): the seed of one work request,
 * one client's partition, one round's pair sampling ... */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Fisher-Yates shuffle in place with a seeded generator. */
export function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
