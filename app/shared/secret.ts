// A secret (group PSK, XAuth password) that cannot leak through logging, JSON or inspection:
// every printable form is a placeholder; only reveal() gives the bytes.

const REDACTED = '[secret]';

export class Secret {
  readonly #value: Uint8Array;

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
    return this.#value;
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
