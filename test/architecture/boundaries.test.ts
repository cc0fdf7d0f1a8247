// The import boundaries (.dependency-cruiser.cjs) fail where they should: probe files placed in a
// throwaway copy of the layout, cruised with the project's own config, must break exactly the
// rule named beside them, and the allowed imports must pass.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

/** path -> [source, the rules it must break: none where the import is allowed] */
const probes: Record<string, [string, string[]]> = {
  'app/main/service/uses-electron.ts': [
    "import { app } from 'electron';\nexport const a = app;\n",
    ['electron-only-in-shell'],
  ],
  'app/main/electron/shell.ts': ["import { app } from 'electron';\nexport const a = app;\n", []],
  'app/main/electron/window.ts': ['export const window = 1;\n', []],
  'app/main/service/uses-shell.ts': [
    "import { window } from '../electron/window.js';\nexport const w = window;\n",
    ['electron-shell-is-a-root'],
  ],
  'app/engine/internal.ts': ['export const internal = 1;\n', []],
  'app/engine/index.ts': ["export { internal } from './internal.js';\n", []],
  'app/cli/deep-import.ts': [
    "import { internal } from '../engine/internal.js';\nexport const d = internal;\n",
    ['engine-public-surface-only'],
  ],
  'app/cli/public-import.ts': [
    "import { internal } from '../engine/index.js';\nexport const p = internal;\n",
    [],
  ],
  'app/engine/uses-electron.ts': [
    "import { app } from 'electron';\nexport const a = app;\n",
    ['electron-only-in-shell', 'engine-no-electron-or-ui'],
  ],
  'app/helper/ike-state.ts': [
    "import { internal } from '../engine/index.js';\nexport const h = internal;\n",
    ['helper-no-ike-state'],
  ],
  'app/renderer/node-use.ts': [
    "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    ['renderer-and-shared-no-node-builtins'],
  ],
  'app/shared/profile.ts': ['export const profile = 1;\n', []],
  'app/shared/ui/contract.ts': [
    "import { profile } from '../profile.js';\nexport const contract = profile;\n",
    [],
  ],
  'app/shared/ui/node-use.ts': [
    "import { createHash } from 'node:crypto';\nexport const c = createHash;\n",
    ['renderer-and-shared-no-node-builtins'],
  ],
  'app/renderer/contract-use.ts': [
    "import { contract } from '../shared/ui/contract.js';\nexport const u = contract;\n",
    [],
  ],
  'app/renderer/facts-direct.ts': [
    "import { profile } from '../shared/profile.js';\nexport const f = profile;\n",
    ['renderer-imports-only-ui-contract'],
  ],
  'app/renderer/engine-use.ts': [
    "import { internal } from '../engine/index.js';\nexport const e = internal;\n",
    ['renderer-imports-only-ui-contract'],
  ],
};

interface Violation {
  from: string;
  rule: { name: string };
}

let dir = '';
let violations: Violation[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rw-boundaries-'));
  for (const [path, [source]] of Object.entries(probes)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  copyFileSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  copyFileSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  let out: string;
  try {
    out = execFileSync(
      join(root, 'node_modules/.bin/depcruise'),
      ['app', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
      { cwd: dir, encoding: 'utf8' },
    );
  } catch (error) {
    // depcruise exits non-zero when rules are broken; its report is still on stdout
    out = (error as { stdout: string }).stdout;
  }
  violations = (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
});

after(() => rmSync(dir, { recursive: true, force: true }));

for (const [path, [, rules]] of Object.entries(probes)) {
  test(rules.length ? `${path} breaks ${rules.join(', ')}` : `${path} is allowed`, () => {
    const broken = violations.filter((v) => v.from === path).map((v) => v.rule.name);
    assert.deepEqual(broken.sort(), [...rules].sort());
  });
}
