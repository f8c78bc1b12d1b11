import { readFileSync } from 'node:fs';

/** The package's name and version, read once from package.json (two folders above dist/src). */
export const PACKAGE: { name: string; version: string } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { name: string; version: string };
