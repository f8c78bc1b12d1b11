// The UDHR reader lives in the library (src/util/udhr.ts); tools, tests and benchmarks use it from here.
export { declaration, mulberry32, paragraphs } from '../src/util/udhr.js';
