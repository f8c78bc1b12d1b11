import { InvalidArgumentError } from 'commander';

/** Commander parser for a flag that takes a whole number >= 1. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got ${value}`);
  return n;
}

/** Collect a repeatable flag into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A commander parser for comma-separated whole numbers >= min (e.g. `--prefix 32,64`). */
export function intList(min: number) {
  return (value: string): number[] => {
    const numbers = value.split(',').filter(Boolean).map(Number);
    if (numbers.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < min)) {
      throw new InvalidArgumentError(`expected whole numbers >= ${min} separated by commas, got ${value}`);
    }
    return numbers;
  };
}

/** A commander parser for comma-separated positive numbers (e.g. `--lr 0.05,0.1`). */
export function positiveList(value: string): number[] {
  const numbers = value.split(',').filter(Boolean).map(Number);
  if (numbers.length === 0 || numbers.some((n) => !(n > 0))) {
    throw new InvalidArgumentError(`expected positive numbers separated by commas, got ${value}`);
  }
  return numbers;
}
