/** A deterministic uniform [0, 1) generator (mulberry32), so that test failures reproduce. */
export { uniform as seeded } from '../../src/util/random.js';
