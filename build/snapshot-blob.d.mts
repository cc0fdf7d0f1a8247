/** The snapshot blob with an empty builtin code cache vector, or undefined if no vector of node's
 * layout ends it. */
export function withoutBuiltinCodeCache(blob: Buffer): Buffer | undefined;
