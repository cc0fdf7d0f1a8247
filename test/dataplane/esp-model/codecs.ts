// The model's sealer and opener for an SA pair's transform (resolved in app/dataplane/esp).
import type { EspSaPair } from '../../../app/shared/esp-sa.js';
import { resolveTransform } from '../../../app/dataplane/esp/transform.js';
import { AesGcmOpener, AesGcmSealer } from './aes-gcm.js';
import { CbcHmacOpener, CbcHmacSealer } from './cbc-hmac.js';
import type { EspOpener, EspSealer } from './esp-codec.js';
import type { RandomPool } from './random-pool.js';

export interface EspCodecs {
  sealer: EspSealer;
  opener: EspOpener;
}

/**
 * Sealer for sa.outbound and opener for sa.inbound. Throws RangeError for transforms or key
 * lengths we do not implement. `scratch` is shared cipher input space (single-threaded use).
 */
export function createCodecs(sa: EspSaPair, scratch: Buffer, random: RandomPool): EspCodecs {
  const transform = resolveTransform(sa);
  if (transform.kind === 'gcm') {
    return {
      sealer: new AesGcmSealer(transform.cipher, sa.outbound, scratch),
      opener: new AesGcmOpener(transform.cipher, sa.inbound),
    };
  }
  return {
    sealer: new CbcHmacSealer(transform, sa.outbound, scratch, random),
    opener: new CbcHmacOpener(transform, sa.inbound, scratch),
  };
}
