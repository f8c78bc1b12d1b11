// Type declarations for npm packages that ship none.

declare module 'naughty-words' {
  /** LDNOOBW word lists, keyed by language code (en, de, fr, ..., fr-CA-u-sd-caqc). */
  const words: Record<string, string[]>;
  export default words;
}
