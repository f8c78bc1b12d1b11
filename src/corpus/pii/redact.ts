import { UserError } from '../../util/errors.js';
import { findCards } from './card.js';
import { findEmails, mayContainEmail } from './email.js';
import { findIbans } from './iban.js';
import { findIPv4, findIPv6, isPublicIp, mayContainIPv4, mayContainIPv6 } from './ip.js';
import { findPhones } from './phone.js';
import { PII_KINDS, type Detector, type PiiKind } from './types.js';

export interface PiiOptions {
  email: boolean;
  ip: boolean;
  iban: boolean;
  /** Off by default: phone shapes overlap with many other numbers. */
  phone: boolean;
  /** Off by default. */
  card: boolean;
  /** Redact only globally routable IPs (datatrove); false redacts every address (Apertus). */
  public_ip_only: boolean;
  /** Replacement text per kind; kinds left out keep the default `<kind-pii>` token. */
  replacements: Partial<Record<PiiKind, string>>;
}

/** Apertus's choice: e-mail, IP (all of them) and IBAN, replaced by its reserved tokens. */
export const DEFAULT_PII_OPTIONS: Readonly<PiiOptions> = Object.freeze({
  email: true,
  ip: true,
  iban: true,
  phone: false,
  card: false,
  public_ip_only: false,
  replacements: Object.freeze({}),
});

export const DEFAULT_REPLACEMENTS: Readonly<Record<PiiKind, string>> = Object.freeze({
  email: '<email-pii>',
  ip: '<ip-pii>',
  iban: '<iban-pii>',
  phone: '<phone-pii>',
  card: '<card-pii>',
});

export type PiiCounts = Record<PiiKind, number>;

export interface Redaction {
  text: string;
  /** Matches replaced, per kind. */
  counts: PiiCounts;
}

export type Redactor = (text: string) => Redaction;

/** A detector, the kind it reports, and the cheap test that lets a document skip it. */
interface Pass {
  kind: PiiKind;
  detect: Detector;
  worthTrying: (text: string, hasDigit: boolean) => boolean;
}

const anyText = (): boolean => true;
const needsDigit = (_text: string, hasDigit: boolean): boolean => hasDigit;

/**
 * Passes in priority order: where two matches overlap, the earlier pass wins. Checksummed and
 * anchored kinds come first (an address literal `jo@[192.0.2.1]` is an e-mail, an IPv4-mapped
 * IPv6 address is not a separate IPv4), the loosely shaped phone numbers last.
 */
function passes(options: PiiOptions): Pass[] {
  const acceptIp = options.public_ip_only ? isPublicIp : anyText;
  const list: Pass[] = [];
  if (options.email) list.push({ kind: 'email', detect: findEmails, worthTrying: mayContainEmail });
  if (options.iban) list.push({ kind: 'iban', detect: findIbans, worthTrying: needsDigit });
  if (options.card) list.push({ kind: 'card', detect: findCards, worthTrying: needsDigit });
  if (options.ip) {
    list.push({
      kind: 'ip',
      detect: (text, out) => findIPv6(text, out, acceptIp),
      worthTrying: (text, hasDigit) => hasDigit && mayContainIPv6(text),
    });
    list.push({
      kind: 'ip',
      detect: (text, out) => findIPv4(text, out, acceptIp),
      worthTrying: (text, hasDigit) => hasDigit && mayContainIPv4(text),
    });
  }
  if (options.phone) list.push({ kind: 'phone', detect: findPhones, worthTrying: needsDigit });
  return list;
}

/** Accepted matches, sorted by start: flat (start, end) pairs and the kind of each pair. */
interface Accepted {
  ranges: number[];
  kinds: PiiKind[];
}

/**
 * Adds a pass's ranges (sorted, disjoint) to the accepted ones, dropping those that overlap a
 * range already accepted. A linear merge of two sorted lists, so a hostile text with 10^5
 * matches per kind costs no more than it takes to find them.
 */
function mergeRanges(accepted: Accepted, found: number[], kind: PiiKind): Accepted {
  const ranges: number[] = [];
  const kinds: PiiKind[] = [];
  const old = accepted.ranges;
  let i = 0;
  for (let j = 0; j < found.length; j += 2) {
    const start = found[j];
    const end = found[j + 1];
    while (i < old.length && old[i + 1] <= start) {
      ranges.push(old[i], old[i + 1]);
      kinds.push(accepted.kinds[i >> 1]);
      i += 2;
    }
    if (i < old.length && old[i] < end) continue;
    ranges.push(start, end);
    kinds.push(kind);
  }
  for (; i < old.length; i += 2) {
    ranges.push(old[i], old[i + 1]);
    kinds.push(accepted.kinds[i >> 1]);
  }
  return { ranges, kinds };
}

function zeroCounts(): PiiCounts {
  return { email: 0, ip: 0, iban: 0, phone: 0, card: 0 };
}

/** Defaults filled in; a key present but undefined (as a config layer may pass it) means default. */
function resolveOptions(options: Partial<PiiOptions>): PiiOptions {
  const merged: PiiOptions = {
    email: options.email ?? DEFAULT_PII_OPTIONS.email,
    ip: options.ip ?? DEFAULT_PII_OPTIONS.ip,
    iban: options.iban ?? DEFAULT_PII_OPTIONS.iban,
    phone: options.phone ?? DEFAULT_PII_OPTIONS.phone,
    card: options.card ?? DEFAULT_PII_OPTIONS.card,
    public_ip_only: options.public_ip_only ?? DEFAULT_PII_OPTIONS.public_ip_only,
    replacements: options.replacements ?? {},
  };
  for (const key of Object.keys(merged.replacements)) {
    if (!(PII_KINDS as readonly string[]).includes(key)) {
      throw new UserError(`pii: unknown replacement kind '${key}'; use one of ${PII_KINDS.join(', ')}`);
    }
  }
  return merged;
}

/**
 * Builds a redactor: text in, text with each match replaced by its kind's replacement out, and
 * how many matches of each kind were replaced. A text without matches comes back as the same string.
 */
export function createRedactor(options: Partial<PiiOptions> = {}): Redactor {
  const resolved = resolveOptions(options);
  const replacement: Record<PiiKind, string> = { ...DEFAULT_REPLACEMENTS, ...resolved.replacements };
  const active = passes(resolved);
  return (text: string): Redaction => {
    const counts = zeroCounts();
    const hasDigit = /[0-9]/.test(text);
    let accepted: Accepted = { ranges: [], kinds: [] };
    for (const pass of active) {
      if (!pass.worthTrying(text, hasDigit)) continue;
      const found: number[] = [];
      pass.detect(text, found);
      if (found.length > 0) accepted = mergeRanges(accepted, found, pass.kind);
    }
    if (accepted.ranges.length === 0) return { text, counts };
    const parts: string[] = [];
    let last = 0;
    for (let i = 0; i < accepted.ranges.length; i += 2) {
      const kind = accepted.kinds[i >> 1];
      const start = accepted.ranges[i];
      parts.push(text.slice(last, start), replacement[kind]);
      last = accepted.ranges[i + 1];
      counts[kind]++;
    }
    parts.push(text.slice(last));
    return { text: parts.join(''), counts };
  };
}
