/**
 * VTEX's size rule for labels, free of imports so the workflow bundle can use it too.
 * "If the label is type BASE64 or TXT, the max size that we allow is 180kb." (seed 003)
 */
export const MAX_INLINE_LABEL_BYTES = 180 * 1024;

/** UTF-8 length of a string, without Buffer (absent from the workflow sandbox). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

export function inlineLabelTooLarge(label: { type: string; url: string }): boolean {
  return (label.type === 'BASE64' || label.type === 'TEXT') && utf8ByteLength(label.url) > MAX_INLINE_LABEL_BYTES;
}
