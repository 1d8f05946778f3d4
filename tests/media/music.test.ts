import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROMPTS } from '$lib/generator';
import { DEFAULT_MUSIC_PARAMS, parseMusicPrompt } from '$lib/music/music-params';
import { renderProcedural, renderProceduralAsync } from '$lib/music/procedural';
import { generateOverHttp } from '../../workers/music/music-http';
import { encodeFlac } from '../../workers/music/procedural-music';
import { PermanentJobError } from '../../workers/worker-client';
import { ffmpeg, ffprobe, tempDir } from '../helpers/media';
import { startMusicGenStub, type MusicGenStub } from '../helpers/musicgen-stub';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('airstudio-music');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

/**
 * The beat period heard in the audio: an onset envelope (rises of the low band's energy, 10 ms frames) and its
 * autocorrelation's strongest lag between 0.3 and 2.2 s. Knows nothing of how the music was made.
 */
function heardPeriod(x: Float32Array, sr: number): number {
  const hop = Math.round(sr * 0.01);
  let low = 0;
  const a = 1 - Math.exp((-2 * Math.PI * 150) / sr);
  const energy: number[] = [];
  let acc = 0;
  for (let n = 0; n < x.length; n++) {
    low += a * (x[n] - low);
    acc += low * low;
    if (n % hop === hop - 1) {
      energy.push(acc);
      acc = 0;
    }
  }
  const onset = energy.map((e, i) => Math.max(0, e - (energy[i - 1] ?? e)));
  let best = 0;
  let bestLag = 0;
  for (let lag = 30; lag <= 220; lag++) {
    let s = 0;
    for (let i = lag; i < onset.length; i++) s += onset[i] * onset[i - lag];
    if (s > best) {
      best = s;
      bestLag = lag;
    }
  }
  return bestLag * 0.01;
}

describe('prompt parameters', () => {
  it('reads tempo, key, mode, instruments and vinyl from a prompt', () => {
    expect(parseMusicPrompt('lofi chill, 78 bpm, A minor, rhodes, vinyl')).toMatchObject({ bpm: 78, key: 9, mode: 'minor', instruments: ['rhodes', 'bass', 'drums'], vinyl: 0.6 });
    expect(parseMusicPrompt('indian lofi, raga yaman, sitar, tabla, 72 bpm')).toMatchObject({ bpm: 72, mode: 'lydian', instruments: ['bass', 'tabla', 'sitar'] });
    expect(parseMusicPrompt('jazzy lofi, 84 bpm, E flat dorian, rhodes, clean')).toMatchObject({ key: 3, mode: 'dorian', vinyl: 0 });
    expect(parseMusicPrompt('sleepy lofi, pad, piano, no drums').instruments).not.toContain('drums');
  });

  it('keeps the tempo in the lofi range and leaves unnamed parameters at the defaults', () => {
    expect(parseMusicPrompt('drum and bass 174 bpm').bpm).toBe(95);
    expect(parseMusicPrompt('40 bpm').bpm).toBe(60);
    expect(parseMusicPrompt('something unusual')).toEqual(DEFAULT_MUSIC_PARAMS);
  });

  it('reads every default prompt', () => {
    for (const p of DEFAULT_PROMPTS) expect(() => parseMusicPrompt(p)).not.toThrow();
    expect(new Set(DEFAULT_PROMPTS.map((p) => JSON.stringify(parseMusicPrompt(p)))).size).toBe(DEFAULT_PROMPTS.length);
  });
});

describe('the procedural generator', () => {
  const params = parseMusicPrompt('lofi chill, 80 bpm, A minor, rhodes, bass, drums, vinyl');

  it('is deterministic per seed, and another seed makes other music', async () => {
    const a = renderProcedural(params, 12, 42);
    const b = renderProcedural(params, 12, 42);
    const c = renderProcedural(params, 12, 43);
    expect(Buffer.from(a.left.buffer).equals(Buffer.from(b.left.buffer))).toBe(true);
    expect(Buffer.from(a.right.buffer).equals(Buffer.from(b.right.buffer))).toBe(true);
    expect(Buffer.from(a.left.buffer).equals(Buffer.from(c.left.buffer))).toBe(false);
    // The sliced render a worker uses gives the same samples.
    const sliced = await renderProceduralAsync(params, 12, 42);
    expect(Buffer.from(sliced.left.buffer).equals(Buffer.from(a.left.buffer))).toBe(true);
  });

  it('makes the asked length, not silent, not clipped, in stereo', () => {
    for (const prompt of DEFAULT_PROMPTS) {
      const m = renderProcedural(parseMusicPrompt(prompt), 10, 7);
      expect(m.left.length).toBe(10 * m.sampleRate);
      const level = rms(m.left);
      expect(level, prompt).toBeGreaterThan(0.03);
      expect(m.left.reduce((p, v) => Math.max(p, Math.abs(v)), 0), prompt).toBeLessThanOrEqual(0.91);
      expect(Number.isFinite(level)).toBe(true);
      // Not the same signal on both sides: the instruments are panned.
      expect(Buffer.from(m.left.buffer).equals(Buffer.from(m.right.buffer))).toBe(false);
    }
  });

  it('plays at the prompt’s tempo: the beat heard in the audio matches the bpm', () => {
    for (const bpm of [64, 78, 92]) {
      const m = renderProcedural({ ...params, bpm, vinyl: 0 }, 40, 11);
      const beat = 60 / bpm;
      const heard = heardPeriod(m.left, m.sampleRate);
      // The strongest period is the beat or a whole bar's pulse (half, one, two or four beats).
      const ratio = heard / beat;
      const nearest = [0.5, 1, 2, 4].reduce((b, r) => (Math.abs(ratio - r) < Math.abs(ratio - b) ? r : b));
      expect(Math.abs(ratio - nearest) / nearest, `${bpm} bpm: heard ${heard} s`).toBeLessThan(0.04);
    }
  });

  it('encodes to FLAC of the right duration with ffmpeg', async () => {
    const m = renderProcedural(params, 15, 3);
    const file = path.join(dir, 'chunk.flac');
    await encodeFlac(m, file);
    const probe = await ffprobe(file);
    expect(probe.streams[0].codec_name).toBe('flac');
    expect(probe.streams[0].channels).toBe(2);
    expect(Number(probe.format.duration)).toBeCloseTo(15, 1);
    const stderr = await ffmpeg('-i', file, '-af', 'volumedetect', '-f', 'null', '-');
    expect(Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)![1])).toBeGreaterThan(-35);
  });

  it('refuses a length out of range', () => {
    expect(() => renderProcedural(params, 0, 1)).toThrow(RangeError);
    expect(() => renderProcedural(params, 4000, 1)).toThrow(RangeError);
  });
});

describe('the MusicGen HTTP adapter against a stub MusicGen server', () => {
  let stub: MusicGenStub;
  beforeAll(async () => {
    stub = await startMusicGenStub();
  });
  afterAll(() => stub.close());

  it('posts prompt, duration, seed and model with the key, and converts the WAV answer to 48 kHz stereo FLAC', async () => {
    stub.mode = 'wav';
    const out = path.join(dir, 'http.flac');
    await generateOverHttp({ baseUrl: `${stub.baseUrl}/`, apiKey: stub.key, model: 'musicgen-small' }, { prompt: 'lofi, sitar', seconds: 4, seed: 9 }, dir, out);
    expect(stub.requests.at(-1)).toEqual({ path: '/generate', authorization: `Bearer ${stub.key}`, body: { prompt: 'lofi, sitar', duration: 4, seed: 9, model: 'musicgen-small' } });
    const probe = await ffprobe(out);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'flac', sample_rate: '48000', channels: 2 });
    expect(Number(probe.format.duration)).toBeCloseTo(4, 1);
  });

  it('follows a JSON answer’s audio_url', async () => {
    stub.mode = 'url';
    const out = path.join(dir, 'http-url.flac');
    await generateOverHttp({ baseUrl: stub.baseUrl, apiKey: stub.key, model: null }, { prompt: 'rain', seconds: 2, seed: 1 }, dir, out);
    expect(stub.requests.at(-1)!.body).toEqual({ prompt: 'rain', duration: 2, seed: 1 });
    expect(Number((await ffprobe(out)).format.duration)).toBeCloseTo(2, 1);
  });

  it('fails for good on a refusal or a wrong key, saying what the server said', async () => {
    stub.mode = 'fail';
    const out = path.join(dir, 'refused.flac');
    const refused = generateOverHttp({ baseUrl: stub.baseUrl, apiKey: stub.key, model: null }, { prompt: 'x', seconds: 2, seed: 1 }, dir, out);
    await expect(refused).rejects.toThrow(/400.*duration too long/);
    await expect(refused).rejects.toBeInstanceOf(PermanentJobError);
    stub.mode = 'wav';
    await expect(generateOverHttp({ baseUrl: stub.baseUrl, apiKey: 'wrong', model: null }, { prompt: 'x', seconds: 2, seed: 1 }, dir, out)).rejects.toThrow(/401/);
  });
});
