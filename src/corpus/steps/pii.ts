import type { Document } from '../document.js';
import { createRedactor, DEFAULT_PII_OPTIONS, type PiiOptions } from '../pii/redact.js';
import { PII_KINDS } from '../pii/types.js';
import { KEEP, KEEP_MODIFIED, type ExtraCounters, type Step, type Verdict } from '../step.js';

export { DEFAULT_PII_OPTIONS };
export type { PiiOptions };

/**
 * PII redaction (Apertus): replaces e-mail addresses, IP addresses and IBANs (optionally phone and
 * card numbers) in `doc.text` with placeholder tokens. It never removes a document.
 * Counters: `pii_email`, `pii_ip`, ... (matches replaced); `doc.metadata.pii` gets the same counts
 * for that document, non-zero kinds only, and is left absent when nothing was replaced.
 */
export function createPiiStep(options: Partial<PiiOptions> & { name?: string } = {}): Step {
  const { name, ...redactorOptions } = options;
  const redact = createRedactor(redactorOptions);
  return {
    kind: 'pii',
    name: name ?? 'pii',
    apply(doc: Document, extra: ExtraCounters): Verdict {
      const result = redact(doc.text);
      if (result.text === doc.text) return KEEP;
      const perDocument: Record<string, number> = {};
      for (const kind of PII_KINDS) {
        const count = result.counts[kind];
        if (count === 0) continue;
        perDocument[kind] = count;
        extra[`pii_${kind}`] = (extra[`pii_${kind}`] ?? 0) + count;
      }
      doc.text = result.text;
      doc.metadata.pii = perDocument;
      return KEEP_MODIFIED;
    },
  };
}
