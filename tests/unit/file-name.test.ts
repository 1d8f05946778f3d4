import { describe, expect, it } from 'vitest';
import { displayName, titleFromName } from '$lib/server/asset/file-name';

describe('displayName', () => {
  it('keeps only the last path segment, whichever separator', () => {
    expect(displayName('../../x')).toBe('x');
    expect(displayName('..\\..\\evil.mp3')).toBe('evil.mp3');
    expect(displayName('/etc/passwd')).toBe('passwd');
    expect(displayName('C:\\Users\\ana\\Music\\take 3.wav')).toBe('take 3.wav');
  });

  it('removes control characters and bidi overrides', () => {
    expect(displayName('a\u0000b.mp3')).toBe('ab.mp3');
    expect(displayName('line one\nline two\r\n.wav')).toBe('line one line two .wav');
    // "evil\u202Egpj.exe" would read as "evilexe.jpg".
    expect(displayName('evil\u202egpj.exe')).toBe('evilgpj.exe');
    expect(displayName('\u2066a\u2069\u202ab\u202c.mp3')).toBe('ab.mp3');
    expect(displayName('\u001b[31mred\u007f.png')).toBe('[31mred.png');
  });

  it('trims spaces and leading dots, and says untitled when nothing is left', () => {
    expect(displayName('  .hidden.mp3  ')).toBe('hidden.mp3');
    expect(displayName('...')).toBe('untitled');
    expect(displayName('..')).toBe('untitled');
    expect(displayName('dir/')).toBe('untitled');
    expect(displayName('\u202e\u0000 ')).toBe('untitled');
    expect(displayName('')).toBe('untitled');
    expect(displayName(null)).toBe('untitled');
    expect(displayName(undefined)).toBe('untitled');
  });

  it('normalises to NFC', () => {
    const decomposed = 'Cafe\u0301.mp3';
    expect(displayName(decomposed)).toBe('Caf\u00e9.mp3');
    expect(displayName(decomposed).length).toBe(8);
  });

  it('caps a long name at 200 characters and keeps the extension', () => {
    const name = displayName(`${'a'.repeat(500)}.mp3`);
    expect(name.length).toBe(200);
    expect(name.endsWith('.mp3')).toBe(true);
    expect(name.startsWith('aaaa')).toBe(true);
    expect(displayName('b'.repeat(500))).toBe('b'.repeat(200));
  });

  it('never splits a character when cutting', () => {
    const name = displayName(`${'\u{1f3b5}'.repeat(300)}.wav`);
    expect([...name].length).toBeLessThanOrEqual(200);
    expect(name.endsWith('.wav')).toBe(true);
    expect(() => encodeURIComponent(name)).not.toThrow(); // no lone surrogate
  });

  it('leaves ordinary names alone', () => {
    expect(displayName('Morning Show – Intro (v2).flac')).toBe('Morning Show – Intro (v2).flac');
  });
});

describe('titleFromName', () => {
  it('drops the extension and turns underscores and dashes into spaces', () => {
    expect(titleFromName('my_song-final.mp3')).toBe('my song final');
    expect(titleFromName('  Jingle__2024 -- short.WAV ')).toBe('Jingle 2024 short');
  });

  it('keeps dots that are not an extension', () => {
    expect(titleFromName('Mr. Brightside')).toBe('Mr. Brightside');
    expect(titleFromName('Symphony No.5')).toBe('Symphony No.5');
  });
});
