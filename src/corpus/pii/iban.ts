import { isAsciiAlnum, isDigit } from './chars.js';

/**
 * IBANs (ISO 13616): country code, two check digits, then a country-specific number of letters
 * and digits, written either without separators (`DE89370400440532013000`) or in the paper format,
 * groups of four separated by single spaces (`DE89 3704 0044 0532 0130 00`), in either case.
 *
 * Apertus's pattern only caught the spaced form with digit-only groups. Here a candidate must have
 * the exact length registered for its country and pass the mod-97 checksum, which leaves about one
 * random string in a hundred of the right shape, so both forms can be accepted safely.
 * A candidate is read from a fixed-length prefix, `[A-Za-z]{2}[0-9]{2}`, then at most 34
 * characters: linear in the text.
 */

/** Total IBAN length per country, from the SWIFT IBAN registry (plus the French overseas codes
 *  it lists under FR, which some banks print with their own prefix). */
const LENGTHS =
  'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BL27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 ' +
  'DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GF27 GI23 GL18 GP27 GR27 GT28 ' +
  'HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 ' +
  'MC27 MD24 ME22 MF27 MK19 MN20 MQ27 MR27 MT31 MU30 NC27 NI28 NL18 NO15 OM23 PF27 PK24 PL28 ' +
  'PM27 PS29 PT25 QA29 RE27 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 ' +
  'TF27 TL23 TN24 TR26 UA29 VA22 VG24 WF27 XK20 YE30 YT27';

export const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  LENGTHS.split(' ').map((entry) => [entry.slice(0, 2), Number(entry.slice(2))]),
);

/** One step of ISO 7064 mod 97-10: digits count as themselves, letters (any case) as 10..35. */
function mod97Step(remainder: number, c: number): number {
  if (isDigit(c)) return (remainder * 10 + (c - 48)) % 97;
  return (remainder * 100 + ((c | 32) - 87)) % 97;
}

/**
 * The IBAN checksum over the compact form: move the first four characters to the end, read it as
 * one number, and it must leave remainder 1 modulo 97. Computed digit by digit, no big integers.
 */
export function ibanChecksumOk(compact: string): boolean {
  let remainder = 0;
  const n = compact.length;
  for (let k = 0; k < n; k++) {
    const c = compact.charCodeAt((k + 4) % n);
    if (!isAsciiAlnum(c)) return false;
    remainder = mod97Step(remainder, c);
  }
  return remainder === 1;
}

/** Compact IBAN → valid? (registered length for the country, and the checksum). */
export function isValidIban(compact: string): boolean {
  const length = IBAN_LENGTHS.get(compact.slice(0, 2).toUpperCase());
  return length === compact.length && /^[A-Za-z]{2}[0-9]{2}/.test(compact) && ibanChecksumOk(compact);
}

/**
 * Reads the IBAN whose first four characters are at `start` and checks its checksum on the way;
 * returns its end, or -1 when the text there is not one. `need` counts the characters after the
 * check digits. No string is built: hostile text may offer a candidate every five characters.
 */
function readIban(text: string, start: number, need: number): number {
  const n = text.length;
  let pos = start + 4;
  let remainder = 0;
  const spaced = pos + 1 < n && text.charCodeAt(pos) === 32 && isAsciiAlnum(text.charCodeAt(pos + 1));
  let read = 0;
  while (read < need) {
    if (spaced) {
      // Groups of four after single spaces; only the last group may be short.
      if (read % 4 !== 0) return -1;
      if (text.charCodeAt(pos) !== 32) return -1;
      pos++;
    }
    const groupEnd = Math.min(n, pos + (spaced ? Math.min(4, need - read) : need - read));
    const groupStart = pos;
    while (pos < groupEnd) {
      const c = text.charCodeAt(pos);
      if (!isAsciiAlnum(c)) break;
      remainder = mod97Step(remainder, c);
      pos++;
    }
    if (pos === groupStart) return -1;
    read += pos - groupStart;
    if (!spaced && read < need) return -1;
  }
  if (pos < n && isAsciiAlnum(text.charCodeAt(pos))) return -1;
  for (let k = start; k < start + 4; k++) remainder = mod97Step(remainder, text.charCodeAt(k));
  return remainder === 1 ? pos : -1;
}

export function findIbans(text: string, out: number[]): void {
  const head = /[A-Za-z]{2}[0-9]{2}/g;
  let match: RegExpExecArray | null;
  while ((match = head.exec(text)) !== null) {
    const start = match.index;
    if (start > 0 && isAsciiAlnum(text.charCodeAt(start - 1))) continue;
    const length = IBAN_LENGTHS.get(match[0].slice(0, 2).toUpperCase());
    if (length === undefined) continue;
    const end = readIban(text, start, length - 4);
    if (end === -1) continue;
    out.push(start, end);
    head.lastIndex = end;
  }
}
