// The desktop service's side of a managed profile's key file: the engine asks for the group
// key; for a managed profile with a key file beside it, that is the answer (the admin's key
// wins over one the user saved, so rotating it means changing one file), otherwise the
// service's own provider answers (keychain, then the prompt).
import type { ConnectOptions, CredentialProvider, VpnConnection } from '../engine/index.js';
import type { ManagedProfiles } from './managed.js';

type Connect = (options: ConnectOptions) => VpnConnection;

export function withManagedGroupKey(connect: Connect, managed: ManagedProfiles): Connect {
  return (options) => {
    const provider = options.credentials;
    const credentials: CredentialProvider = {
      groupPsk: async () => {
        // a key file it must not use is listed with the profiles; the user is asked instead
        const key = await managed.groupKeyFor(options.profile.name).catch(() => undefined);
        return key ?? provider.groupPsk();
      },
      xauth: (request, signal) => provider.xauth(request, signal),
      ...(provider.savePasswordPolicy
        ? {
            savePasswordPolicy: (allowed: boolean | undefined) =>
              provider.savePasswordPolicy?.(allowed),
          }
        : {}),
    };
    return connect({ ...options, credentials });
  };
}
