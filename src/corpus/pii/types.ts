/** The kinds of personal data the redactor finds; also the keys of its counts. */
export type PiiKind = 'email' | 'ip' | 'iban' | 'phone' | 'card';

export const PII_KINDS: readonly PiiKind[] = ['email', 'ip', 'iban', 'phone', 'card'];

/**
 * A detector appends the half-open ranges [start, end) it finds to `out` as flat pairs
 * (start0, end0, start1, end1, ...), in increasing order and without overlaps.
 * Flat pairs rather than objects: a hostile document can yield hundreds of thousands of matches.
 */
export type Detector = (text: string, out: number[]) => void;
