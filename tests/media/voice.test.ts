import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { voice, VoiceError } from '../../workers/ai/voice';
import { probeMedia } from '../../workers/media/probe';

// The built-in voices are Debian's programs (scripts/setup.sh installs them); ffprobe checks what they made.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-voice-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// 16 words: at a broadcast pace of 2–4 words a second, 4–8 s; anything from 2.5 to 12 s is a plausible reading.
const LINE = 'Good evening, you are listening to the late show on airstudio radio, and here is the weather.';

describe('voice', () => {
  it.each([
    ['festival', 'cmu_us_slt_arctic_hts'],
    ['espeak-ng', 'en'],
    ['flite', 'slt']
  ] as const)('%s speaks a line into a 48 kHz mono WAV of a plausible length', async (engine, name) => {
    const out = path.join(dir, `${engine}.wav`);
    const voiced = await voice(LINE, { engine, voice: name, rate: 1, pitch: 0 }, out);
    const probe = await probeMedia(out);
    expect(probe.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 48_000, channels: 1 });
    expect(probe.duration).toBeGreaterThan(2.5);
    expect(probe.duration).toBeLessThan(12);
    expect(voiced.durationSeconds).toBeCloseTo(probe.duration!, 2);
  });

  it('speaks faster at a higher rate, and a pitch change keeps the length', async () => {
    const normal = await voice(LINE, { engine: 'espeak-ng', voice: 'en', rate: 1, pitch: 0 }, path.join(dir, 'n.wav'));
    const fast = await voice(LINE, { engine: 'espeak-ng', voice: 'en', rate: 1.5, pitch: 0 }, path.join(dir, 'f.wav'));
    const high = await voice(LINE, { engine: 'espeak-ng', voice: 'en', rate: 1, pitch: 4 }, path.join(dir, 'h.wav'));
    expect(fast.durationSeconds / normal.durationSeconds).toBeCloseTo(1 / 1.5, 1);
    expect(high.durationSeconds / normal.durationSeconds).toBeCloseTo(1, 1);
  });

  it('speaks another language with espeak-ng', async () => {
    const voiced = await voice('Guten Morgen, hier ist das Frühstücksradio mit den Nachrichten.', { engine: 'espeak-ng', voice: 'de', rate: 1, pitch: 0 }, path.join(dir, 'de.wav'));
    expect(voiced.durationSeconds).toBeGreaterThan(2);
    expect(voiced.durationSeconds).toBeLessThan(10);
  });

  it('speaks hostile text as words, never as commands, and says so when nothing in it is speakable', async () => {
    const marker = path.join(dir, 'pwned');
    const scheme = `"; (quit) ) (system "touch ${marker}")`;
    for (const [engine, name] of [['festival', 'cmu_us_slt_arctic_hts'], ['flite', 'slt'], ['espeak-ng', 'en']] as const) {
      const voiced = await voice(scheme, { engine, voice: name, rate: 1, pitch: 0 }, path.join(dir, `${engine}-scheme.wav`));
      expect(voiced.durationSeconds).toBeGreaterThan(1);
      const dashed = await voice('-v --help', { engine, voice: name, rate: 1, pitch: 0 }, path.join(dir, `${engine}-dashed.wav`));
      expect(dashed.durationSeconds).toBeGreaterThan(0.3);
    }
    expect(fs.existsSync(marker)).toBe(false);
    // festival has no words for emoji or another script: it writes an empty file, which is an error, not a silent clip.
    await expect(voice('\u0000\u0007 😀 日本語', { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1, pitch: 0 }, path.join(dir, 'nothing.wav'))).rejects.toThrow(/festival made no audio from this text/);
  });

  it('refuses empty text, oversized text and voice names that are not names', async () => {
    const s = { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1, pitch: 0 } as const;
    await expect(voice('   ', s, path.join(dir, 'x.wav'))).rejects.toThrow(VoiceError);
    await expect(voice('a'.repeat(6000), s, path.join(dir, 'x.wav'))).rejects.toThrow(/at most/);
    await expect(voice('hello', { ...s, voice: 'x) (system "id"' }, path.join(dir, 'x.wav'))).rejects.toThrow(/not a voice name/);
  });
});
