#!/usr/bin/env node
// Entry point of the `apertus` command: runs the compiled CLI (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('apertus: the compiled CLI is missing (dist/). Run `npm install` or `npm run build` in the project folder.');
  process.exit(1);
}
await import(main.href);
