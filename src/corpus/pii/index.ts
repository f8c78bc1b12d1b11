export { createRedactor, DEFAULT_PII_OPTIONS, DEFAULT_REPLACEMENTS } from './redact.js';
export type { PiiCounts, PiiOptions, Redaction, Redactor } from './redact.js';
export { PII_KINDS } from './types.js';
export type { PiiKind } from './types.js';
export { isValidIban, IBAN_LENGTHS } from './iban.js';
export { isPublicIp } from './ip.js';
export { luhnOk } from './card.js';
