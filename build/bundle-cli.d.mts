/** The ESM bundle (roadwarrior.mjs, its chunks and the addons) in outdir (default dist/cli). */
export function bundleCli(outdir?: string): Promise<string>;
/** The startup snapshot and its launcher beside bundleCli's output; `entry`: another snapshot
 * entry (tests). Resolves with the launcher's path. */
export function snapshotCli(outdir?: string, entry?: string): Promise<string>;
