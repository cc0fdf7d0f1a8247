#!/usr/bin/env node
// Entry point of the roadwarrior command. In a source checkout it runs the TypeScript sources
// through tsx, so what runs is always what is checked in; a packaged build ships dist/ only.
import { existsSync } from 'node:fs';

const sources = new URL('../app/cli/main.ts', import.meta.url);
let entry = new URL('../dist/app/cli/main.js', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = sources;
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
