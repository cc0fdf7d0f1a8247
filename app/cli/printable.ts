// Text the gateway chose (banner, XAUTH_MESSAGE, notification data, domain names, whatever a
// log or error line quotes) reaches the terminal only as text: C0 and C1 control characters
// would let a hostile gateway move the cursor, rewrite earlier lines or retitle the window
// (ESC [, ESC ], the 8-bit CSI U+009B). Newlines stay: a banner has lines.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/** The text without C0/C1 control characters (and DEL), newlines kept. */
export function printable(text: string): string {
  return text.replace(CONTROL, '');
}

const DEL_AND_C1 = /[\u007f-\u009f]/g;

/** A JSON line safe on a terminal: JSON.stringify escapes C0 but leaves DEL and C1 as they
 * are, so those are escaped too (the value a parser reads back is unchanged). */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    DEL_AND_C1,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
