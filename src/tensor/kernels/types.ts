// Shared vocabulary of the reference kernels: buffer types and shape checks.
// Every kernel is generic over the float width so training runs in float32 while gradient
// checks run the very same loops in float64.

/** A float buffer a reference kernel reads or writes. */
export type Floats = Float32Array | Float64Array;

/** Throws a clear error when a buffer does not hold exactly the elements its shape promises. */
export function checkLength(kernel: string, name: string, buffer: ArrayLike<number>, expected: number, shape: string): void {
  if (buffer.length !== expected) {
    throw new Error(`${kernel}: ${name} has ${buffer.length} elements, but shape ${shape} needs ${expected}`);
  }
}

/** Throws when a size is not a positive integer (a zero or fractional size is always a caller bug). */
export function checkSize(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${kernel}: ${name} must be a positive integer, got ${value}`);
  }
}
