/**
 * VTEX's size rule for labels, free of imports so the workflow bundle can use it too.
 * "If the label is type BASE64 or TXT, the max size that we allow is 180kb." (VTEX's guide)
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

/**
 * Bounds of what VTEX may send us (docs/partners.md, "VTEX"). Nothing VTEX documents comes near
 * them; they exist so that no request can carry past Temporal's limits (a search attribute value
 * at most 2,048 bytes; a payload warned at 2 MB and refused at 4 MB) or hold the API's event loop.
 */
export const VTEX_LIMITS = {
  /** orderId, carrierId, package and item ids: they become search attributes, references, URL segments. */
  idChars: 128,
  /** names, seller, neighborhoods, envelope, descriptions of one line */
  nameChars: 256,
  /** an address or a reference */
  addressChars: 512,
  /** phones, cities, states, countries, zip codes, numbers, weights, lengths */
  shortChars: 64,
  /** comments, reasons */
  commentChars: 2000,
  /** images and other URLs */
  urlChars: 2048,
  packages: 50,
  itemsPerPackage: 200,
  /** items across every package of one request */
  items: 500,
  categories: 20,
  settings: 50,
  settingValueChars: 2048,
  quantity: 100_000,
  /** money, in whatever unit VTEX uses for the field */
  money: 1e12,
  /** A serviceId as VTEX sends it back: ours, or its composite `{carrierId}&{serviceId}`. */
  serviceIdChars: 300,
  /** Dates this far ahead are no delivery of ours (a window in year 9999 is a mistake). */
  daysAhead: 366,
  /** The whole workflow input of one delivery: well under Temporal's 2 MB payload warning. */
  deliveryInputBytes: 1024 * 1024,
} as const;
