/** The launcher's sh lines that set the variable aside. */
export const SET_ASIDE_IN_SH: string;
/** NODE_EXTRA_CA_CERTS back in `env` (default process.env) as the launcher found it. */
export function restoreExtraCaCerts(env?: NodeJS.ProcessEnv): void;
