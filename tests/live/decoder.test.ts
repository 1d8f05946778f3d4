import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decoder } from '../../workers/live/decoder';
import { toneAmplitude } from '../../bench/lib/tone-onset';
import { ffmpeg, tempDir } from '../helpers/media';
import { waitFor } from '../helpers/yclient';

// The live job's decoder over real ffmpeg, reading over HTTP as it reads broadcast copies: a resumed stream drops what
// was decoded before its start (skip).
let dir: string;
let file: string;
let server: http.Server;
let url: string;
let wavUrl: string;

beforeAll(async () => {
  dir = await tempDir('airstudio-decoder-');
  file = path.join(dir, 'two-tones.mp3');
  // 1 s of 440 Hz, then 1 s of 880 Hz.
  await ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=1', '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000:duration=1', '-filter_complex', '[0][1]concat=n=2:v=0:a=1', '-c:a', 'libmp3lame', '-b:a', '192k', file);
  // 6 s of a DJ's voice as the worker stores it (48 kHz mono 16-bit WAV).
  const wav = path.join(dir, 'voice.wav');
  await ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000:duration=6', '-ac', '1', '-c:a', 'pcm_s16le', wav);
  // Both answer every request with the whole file, Range or not.
  server = http.createServer((req, res) => {
    const wanted = req.url?.endsWith('.wav') ? wav : file;
    res.writeHead(200, { 'content-type': wanted === wav ? 'audio/wav' : 'audio/mpeg' }).end(fs.readFileSync(wanted));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/two-tones.mp3`;
  wavUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/voice.wav`;
});
afterAll(() => {
  server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The left channel of interleaved stereo. */
const left = (pcm: Float32Array) => pcm.filter((_, i) => i % 2 === 0);
const pitchOf = (pcm: Float32Array) => {
  const x = left(pcm);
  return toneAmplitude(x, 0, x.length, 880, 48_000) > toneAmplitude(x, 0, x.length, 440, 48_000) ? 880 : 440;
};

describe('the live decoder', () => {
  it('skips frames not decoded yet: the audio after the skip is where the stream starts', async () => {
    const d = new Decoder(url, 0, {});
    try {
      d.skip(48_000 + 2400);
      await waitFor(() => d.bufferedSeconds >= 0.5 || d.done, 'audio after the skip');
      // What is left after the skip: the second tone's last 0.95 s (and the encoder's padding, under 30 ms).
      await waitFor(() => d.bufferedSeconds >= 0.95, 'the rest decoded');
      await new Promise((r) => setTimeout(r, 200));
      expect(d.bufferedSeconds).toBeLessThan(0.98);
      expect(pitchOf(d.read(24_000))).toBe(880);
      expect(d.missing).toBe(0);
    } finally {
      d.kill();
    }
  });

  it('skips frames already decoded and then the rest as they come', async () => {
    const d = new Decoder(url, 0, {});
    try {
      await waitFor(() => d.bufferedSeconds >= 0.2, 'some audio decoded');
      expect(pitchOf(d.read(4800))).toBe(440);
      // 0.1 s taken; the stream now starts 1.05 s into the file.
      d.skip(48_000 - 4800 + 2400);
      await waitFor(() => d.bufferedSeconds >= 0.95, 'the rest decoded');
      await new Promise((r) => setTimeout(r, 200));
      expect(d.bufferedSeconds).toBeLessThan(0.98);
      expect(pitchOf(d.read(24_000))).toBe(880);
    } finally {
      d.kill();
    }
  });

  it('decodes a WAV from the top whole, from a server that ignores Range (ffmpeg seeking to 0 there lost its last seconds)', async () => {
    const d = new Decoder(wavUrl, 0, {});
    try {
      // Nothing taken yet: what is buffered is the whole file (with the bug it stopped near 4 s).
      await waitFor(() => d.bufferedSeconds >= 5.99 || Boolean(d.error), 'the whole voice decoded', 10_000);
      await new Promise((r) => setTimeout(r, 200));
      expect(d.error).toBeNull();
      expect(d.bufferedSeconds).toBeCloseTo(6, 2);
    } finally {
      d.kill();
    }
  });
});
