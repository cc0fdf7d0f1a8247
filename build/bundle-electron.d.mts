/** Bundles Electron main (ESM) and preload (CJS) into outdir (default dist/electron). */
export function bundleElectron(outdir?: string): Promise<string>;
