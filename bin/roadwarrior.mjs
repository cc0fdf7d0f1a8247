#!/usr/bin/env node
// Entry point of the roadwarrior command. Runs the compiled CLI (npm ci builds it); in a
// checkout without a build it falls back to running the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/app/cli/main.js', import.meta.url);
let entry = compiled;
if (!existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../app/cli/main.ts', import.meta.url);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
