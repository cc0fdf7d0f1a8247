// The builtin code cache that `node --build-snapshot` appends to a startup snapshot blob, and the
// blob without it. Node 20 writes the blob as its metadata, V8's startup data, its own isolate and
// environment records and, last, a vector of code caches (src/node_snapshotable.cc): an entry
// count (u64), then per builtin module its id (u64 length, bytes) and its V8 code cache (u64
// length, bytes). Node copies that vector into memory at startup and keeps it for the process's
// lifetime, but consults it only to compile one of those builtins again (a worker, a vm context).

/** A builtin module's id as node names it, e.g. internal/deps/cjs-module-lexer/lexer. */
const BUILTIN_ID = /^[\w./@-]+$/;
/** More entries than node has builtins: not the code cache vector. */
const MOST_ENTRIES = 10_000;
const U64 = 8;

/** A u64 field at `at`, or undefined past the end or above 2^32 (no blob section is that long). */
function u64At(blob, at) {
  if (at + U64 > blob.length || blob.readUInt32LE(at + 4) !== 0) return undefined;
  return blob.readUInt32LE(at);
}

/** Whether a code cache vector starting at `start` ends exactly at the blob's end. */
function codeCacheStartsAt(blob, start) {
  const count = u64At(blob, start);
  if (count === undefined || count === 0 || count > MOST_ENTRIES) return false;
  let at = start + U64;
  for (let entry = 0; entry < count; entry++) {
    const idLength = u64At(blob, at);
    if (idLength === undefined || idLength === 0 || idLength > 256) return false;
    at += U64;
    if (!BUILTIN_ID.test(blob.toString('latin1', at, Math.min(at + idLength, blob.length))))
      return false;
    at += idLength;
    const cacheLength = u64At(blob, at);
    if (cacheLength === undefined) return false;
    at += U64 + cacheLength;
    if (at > blob.length) return false;
  }
  return at === blob.length;
}

/**
 * The blob with an empty code cache vector, or undefined if no vector of that layout ends it
 * (another node's format: keep the blob as it is).
 */
export function withoutBuiltinCodeCache(blob) {
  for (let start = 0; start + U64 <= blob.length; start++) {
    if (codeCacheStartsAt(blob, start))
      return Buffer.concat([blob.subarray(0, start), Buffer.alloc(U64)]);
  }
  return undefined;
}
