/**
 * Hashed character n-gram features of short text segments: counts of character 1-, 2- and
 * 3-grams hashed (FNV-1a over code points) into F buckets, log(1 + count), scaled to norm sqrt(F). The
 * language-identification features of fastText-style classifiers, small enough for an MLP.
 */

/** Segments of about `length` characters cut at spaces, from paragraphs. */
export function segments(paragraphs: readonly string[], length: number): string[] {
  const out: string[] = [];
  for (const p of paragraphs) {
    const words = p.split(/\s+/).filter(Boolean);
    let current = '';
    for (const w of words) {
      current = current ? `${current} ${w}` : w;
      if (current.length >= length) {
        out.push(current);
        current = '';
      }
    }
    if (current.length >= length / 2) out.push(current);
  }
  return out;
}

/** Features of one segment into out [F]. */
export function ngramFeatures(text: string, out: Float32Array): void {
  const F = out.length;
  out.fill(0);
  const cps = [0x20, ...Array.from(text.toLowerCase(), (c) => c.codePointAt(0)!), 0x20];
  for (let n = 1; n <= 3; n++) {
    for (let i = 0; i + n <= cps.length; i++) {
      let h = 0x811c9dc5 ^ n;
      for (let k = 0; k < n; k++) h = Math.imul(h ^ cps[i + k], 0x01000193);
      out[(h >>> 0) % F] += 1;
    }
  }
  let norm = 0;
  for (let f = 0; f < F; f++) {
    out[f] = Math.log1p(out[f]);
    norm += out[f] * out[f];
  }
  // Unit RMS per feature (norm sqrt(F)), so a 1/sqrt(F) initialisation starts at unit scale.
  const s = norm > 0 ? Math.sqrt(F / norm) : 0;
  for (let f = 0; f < F; f++) out[f] *= s;
}
