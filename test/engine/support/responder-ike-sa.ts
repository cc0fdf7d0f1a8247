// The IKE SA as the fake gateway holds it (test/engine/support/fake-responder.ts), on the
// engine's own IkeCrypter: keys and IV chains of RFC 2409 appendix B.
import { IkeCrypter, type IkeCrypterOptions } from '../../../app/engine/crypto/index.js';
import type { IkeSa } from '../../../app/engine/ike-sa.js';

/** The IKE SA as the responder holds it. Every ciphertext that moved an IV chain is kept, so
 * a twin with the same chains can be made for forging without disturbing this one. */
export class ResponderIkeSa implements IkeSa {
  private readonly crypter: IkeCrypter;
  private readonly chainLog: [number, Buffer][] = [];

  constructor(
    readonly initiatorCookie: Buffer,
    readonly responderCookie: Buffer,
    readonly skeyidD: Buffer,
    readonly skeyidA: Buffer,
    readonly prf: (key: Buffer, data: Buffer) => Buffer,
    private readonly crypterOptions: IkeCrypterOptions,
  ) {
    this.crypter = new IkeCrypter(crypterOptions);
  }

  encrypt(messageId: number, plaintext: Buffer): Buffer {
    const ciphertext = this.crypter.encrypt(messageId, plaintext);
    this.chainLog.push([messageId, ciphertext]);
    return ciphertext;
  }

  decrypt(messageId: number, ciphertext: Buffer) {
    const tentative = this.crypter.decrypt(messageId, ciphertext);
    return {
      plaintext: tentative.plaintext,
      commit: () => {
        tentative.commit();
        this.chainLog.push([messageId, ciphertext]);
      },
    };
  }

  get chainLength(): number {
    return this.chainLog.length;
  }

  /** An SA with the chains as they were after the first `upTo` messages. */
  twin(upTo = this.chainLog.length): IkeSa {
    const crypter = new IkeCrypter(this.crypterOptions);
    for (const [messageId, ciphertext] of this.chainLog.slice(0, upTo))
      crypter.decrypt(messageId, ciphertext).commit();
    return {
      initiatorCookie: this.initiatorCookie,
      responderCookie: this.responderCookie,
      skeyidD: this.skeyidD,
      skeyidA: this.skeyidA,
      prf: this.prf,
      encrypt: (messageId, plaintext) => crypter.encrypt(messageId, plaintext),
      decrypt: (messageId, ciphertext) => crypter.decrypt(messageId, ciphertext),
    };
  }
}
