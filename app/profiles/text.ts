// Profile files from Windows tools: UTF-8 (with or without a BOM) or Latin-1 (the Cisco VPN
// Client writes the ANSI code page), CRLF or LF line endings.

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The file's text: UTF-8 when the bytes are valid UTF-8, Latin-1 otherwise. */
export function decodeProfileText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = Buffer.from(bytes).toString('latin1');
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** Latin-1 when that reads back as the same text (what the Cisco client expects), UTF-8 with a
 * BOM otherwise (so no reader mistakes it for Latin-1). */
export function encodeProfileText(text: string): Buffer {
  if (![...text].some((c) => c.charCodeAt(0) > 0xff)) {
    const latin1 = Buffer.from(text, 'latin1');
    if (decodeProfileText(latin1) === text) return latin1;
  }
  return Buffer.from(`\uFEFF${text}`, 'utf8');
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
