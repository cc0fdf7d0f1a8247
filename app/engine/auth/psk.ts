// Pre-shared key authentication (RFC 2409 5.4), with or without XAuth after it: HASH_I and
// HASH_R prove the group key.
import { AUTH_METHODS, type Profile } from '../../shared/profile.js';
import type { Secret } from '../../shared/secret.js';
import { EngineError } from '../api.js';
import {
  describeId,
  hashRMismatch,
  hashRVerifies,
  ourIdentity,
} from '../exchanges/phase1-parts.js';
import { phase1AuthMethodId } from '../proposals.js';
import { PayloadType } from '../wire/constants.js';
import { requirePayload } from '../wire/message.js';
import type { Phase1Authenticator } from './authenticator.js';

export function pskAuthenticator(profile: Profile, groupPsk: Secret): Phase1Authenticator {
  return {
    methodId: phase1AuthMethodId(profile.authMethod),
    label: AUTH_METHODS[profile.authMethod].label,
    authPrf: undefined,
    psk: groupPsk,
    identity: ourIdentity(profile),
    certificateRequests: [],
    prove: (hashI) => [{ type: PayloadType.Hash, body: { data: hashI } }],
    verify(payloads, hashR, id) {
      const received = requirePayload(payloads, PayloadType.Hash, 'the gateway’s proof').body;
      if (!hashRVerifies(hashR, received.data)) throw hashRMismatch();
      return { name: describeId(id), warnings: [] };
    },
    // silence, or a cleartext complaint, most likely means the gateway derived other keys,
    // from another pre-shared key
    refused: () =>
      new EngineError(
        'group-psk-rejected',
        'the gateway answered the key exchange but not our identity: the group pre-shared key is probably wrong (or the gateway knows no group of that name)',
        { authenticated: false },
      ),
  };
}
