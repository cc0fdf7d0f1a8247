// build/snapshot-blob.mjs: the builtin code cache found at a snapshot blob's end and dropped,
// on blobs laid out by hand and on one that this node builds and then starts from.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withoutBuiltinCodeCache } from '../../build/snapshot-blob.mjs';

const u64 = (value: number) => {
  const field = Buffer.alloc(8);
  field.writeUInt32LE(value);
  return field;
};

/** Node's layout of the code cache vector: count, then (id, cache) pairs, lengths as u64. */
const codeCache = (entries: [string, Buffer][], count = entries.length) =>
  Buffer.concat([
    u64(count),
    ...entries.flatMap(([id, cache]) => [
      u64(id.length),
      Buffer.from(id),
      u64(cache.length),
      cache,
    ]),
  ]);

const BEFORE = Buffer.from('node metadata, V8 startup data, isolate and environment records');
const CACHE = Buffer.alloc(300, 7);
const ENTRIES: [string, Buffer][] = [
  ['zlib', CACHE],
  ['internal/deps/cjs-module-lexer/lexer', Buffer.alloc(40, 1)],
];

test('the code cache vector at the end becomes an empty one; what precedes it stays', () => {
  const stripped = withoutBuiltinCodeCache(Buffer.concat([BEFORE, codeCache(ENTRIES)]));
  assert.deepEqual(stripped, Buffer.concat([BEFORE, u64(0)]));
});

test('a blob that does not end with such a vector is left alone', () => {
  const cases = {
    'bytes after the vector': Buffer.concat([BEFORE, codeCache(ENTRIES), Buffer.from('x')]),
    'a count above the entries': Buffer.concat([BEFORE, codeCache(ENTRIES, 3)]),
    'a cache longer than the blob': Buffer.concat([BEFORE, codeCache(ENTRIES).subarray(0, -1)]),
    'an id that names no module': Buffer.concat([BEFORE, codeCache([['no module', CACHE]])]),
    'an empty vector (already dropped)': Buffer.concat([BEFORE, u64(0)]),
  };
  for (const [name, blob] of Object.entries(cases))
    assert.equal(withoutBuiltinCodeCache(blob), undefined, name);
});

test("this node's own snapshot blob, without its code cache, is smaller and still starts", () => {
  const dir = mkdtempSync(join(tmpdir(), 'rw-blob-'));
  try {
    const entry = join(dir, 'entry.cjs');
    writeFileSync(
      entry,
      `const { startupSnapshot } = require('node:v8');
const frozen = { greeting: 'restored' };
startupSnapshot.setDeserializeMainFunction(() => console.log(frozen.greeting));`,
    );
    const blob = join(dir, 'snapshot.blob');
    execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], {
      stdio: 'pipe',
    });
    const built = readFileSync(blob);
    const stripped = withoutBuiltinCodeCache(built);
    assert.ok(stripped, 'the code cache vector is found');
    assert.ok(stripped.length < built.length, 'and holds something');
    writeFileSync(blob, stripped);
    const output = execFileSync(process.execPath, ['--snapshot-blob', blob], { encoding: 'utf8' });
    assert.equal(output, 'restored\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
