// A secret (group PSK, XAuth password) that cannot leak through logging, JSON or inspection:
// every printable form is a placeholder; only reveal() gives the bytes, until wipe() zeroes
// them when the session that needed them ends.

const REDACTED = '[secret]';

export class Secret {
  readonly #value: Uint8Array;
  #wiped = false;

  private constructor(value: Uint8Array) {
    this.#value = value;
  }

  static fromString(value: string): Secret {
    return new Secret(new TextEncoder().encode(value));
  }

  static fromBytes(value: Uint8Array): Secret {
    return new Secret(Uint8Array.from(value));
  }

  reveal(): Uint8Array {
    if (this.#wiped) throw new Error('this secret was wiped when its session ended');
    return this.#value;
  }

  /** Zeroes the bytes in place (what reveal() handed out included); a later reveal throws
   * rather than send zeros. Copies made as JS strings are beyond reach: the GC frees them. */
  wipe(): void {
    this.#value.fill(0);
    this.#wiped = true;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  revealString(): string {
    return new TextDecoder().decode(this.#value);
  }

  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
