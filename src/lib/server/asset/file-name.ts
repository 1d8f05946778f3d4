/**
 * The uploader's file name, made safe to keep and show as metadata.
 *
 * This never produces a path: files on disk are named by their hash elsewhere. The name is only
 * shown in the library, so it is cleaned of anything that could mislead a reader (path parts,
 * control characters, bidi overrides that reverse how an extension reads) and kept to a size
 * that fits the UI and the database.
 */

const MAX_NAME_CHARS = 200;
/** Longest suffix still treated as an extension worth keeping when the name is cut. */
const MAX_EXTENSION_CHARS = 16;

/** Tabs, newlines and other line-breaking controls become a space, so words stay apart. */
const BREAKING_CONTROLS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
/** C0 and C1 control characters (NUL, ESC, DEL, ...). */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the invisible
 * direction marks (LRM, RLM, ALM), which can make `evil\u202Egpj.exe` read as `evilexe.jpg`.
 */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

export function displayName(raw: string | undefined | null): string {
  if (raw === undefined || raw === null) return 'untitled';
  let name = String(raw).normalize('NFC');
  // The last path segment, whichever separator the uploader's system used.
  name = name.split(/[\\/]/).pop() ?? '';
  name = name.replace(BREAKING_CONTROLS, ' ').replace(CONTROLS, '').replace(BIDI, '');
  name = name.trim().replace(/^\.+/, '').trim();
  name = capLength(name);
  return name === '' ? 'untitled' : name;
}

/** A title from a file name: no extension, underscores and dashes as spaces. */
export function titleFromName(name: string): string {
  const title = dropExtension(displayName(name))
    .replace(/[_-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return title === '' ? 'untitled' : title;
}

function extensionOf(name: string): string {
  const match = /\.[\p{L}\p{N}]+$/u.exec(name);
  if (!match || match.index === 0 || [...match[0]].length > MAX_EXTENSION_CHARS) return '';
  return match[0];
}

/** Drops a short extension with a letter in it (`.mp3`, `.flac`), not `Vol.2` or `Mr. X`. */
function dropExtension(name: string): string {
  const ext = extensionOf(name);
  return ext && ext.length <= 6 && /\p{L}/u.test(ext) ? name.slice(0, -ext.length) : name;
}

/**
 * At most MAX_NAME_CHARS characters (code points), cut between whole graphemes so an emoji or an
 * accented letter is never split, keeping the extension.
 */
function capLength(name: string): string {
  if ([...name].length <= MAX_NAME_CHARS) return name;
  const ext = extensionOf(name);
  const base = ext ? name.slice(0, -ext.length) : name;
  const budget = MAX_NAME_CHARS - [...ext].length;
  let kept = '';
  let used = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(base)) {
    const size = [...segment].length;
    if (used + size > budget) break;
    kept += segment;
    used += size;
  }
  return kept.trimEnd() + ext;
}
