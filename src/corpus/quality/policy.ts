/**
 * C4's cookie / privacy-policy / terms-of-use boilerplate phrases. The English list is datatrove's
 * (from the C4 reference code) and applies to every document, since English boilerplate shows up
 * on pages in every language; a document in one of the other listed languages is also checked
 * against its own list. Matched case-insensitively (lower-cased line) as substrings.
 */
export const ENGLISH_POLICY_PHRASES: readonly string[] = [
  'terms of use',
  'privacy policy',
  'cookie policy',
  'uses cookies',
  'use of cookies',
  'use cookies',
];

export const POLICY_PHRASES: Readonly<Record<string, readonly string[]>> = {
  de: [
    'nutzungsbedingungen',
    'datenschutzerklärung',
    'datenschutzrichtlinie',
    'cookie-richtlinie',
    'verwendet cookies',
    'verwendung von cookies',
    'einsatz von cookies',
  ],
  fr: [
    "conditions d'utilisation",
    'politique de confidentialité',
    'utilise des cookies',
    'utilisation des cookies',
    'politique relative aux cookies',
  ],
  es: ['términos de uso', 'política de privacidad', 'política de cookies', 'utiliza cookies', 'uso de cookies'],
  it: ['termini di utilizzo', 'informativa sulla privacy', 'utilizza i cookie', 'uso dei cookie', 'utilizzo dei cookie'],
  nl: ['gebruiksvoorwaarden', 'privacybeleid', 'cookiebeleid', 'gebruikt cookies', 'gebruik van cookies'],
  pt: ['termos de uso', 'política de privacidade', 'política de cookies', 'utiliza cookies', 'uso de cookies'],
};

const withEnglish = new Map(Object.entries(POLICY_PHRASES).map(([l, own]) => [l, [...ENGLISH_POLICY_PHRASES, ...own]]));

/** The phrases a document in `primary` (an ISO 639-1 code) is checked against. */
export function policyPhrasesFor(primary: string): readonly string[] {
  return withEnglish.get(primary) ?? ENGLISH_POLICY_PHRASES;
}
