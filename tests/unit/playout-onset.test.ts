import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { continuousRuns, parseMediaPlaylist } from '../../bench/lib/hls';
import { toneOnset } from '../../bench/lib/tone-onset';
import { ffmpeg, tempDir } from '../helpers/media';

const exec = promisify(execFile);

// The playout benchmark's instrument: item starts found in the live output's audio by pitch, timed by the playlist.
const RATE = 16_000;

/** Mono `seconds` of sine at `hz` from sample `from` (silence before), amplitude 0.3. */
function toneFrom(total: number, from: number, hz: number, base?: { hz: number }): Float32Array {
  const x = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    if (i >= from) x[i] = 0.3 * Math.sin((2 * Math.PI * hz * i) / RATE);
    else if (base) x[i] = 0.3 * Math.sin((2 * Math.PI * base.hz * i) / RATE);
  }
  return x;
}

describe('the playout benchmark instrument', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('finds where one pitch gives way to another to the millisecond', () => {
    for (const at of [12_345, 40_000, 47_999]) {
      const onset = toneOnset(toneFrom(RATE * 6, at, 700, { hz: 500 }), RATE, 700);
      expect(onset).not.toBeNull();
      expect(Math.abs(onset! - at / RATE)).toBeLessThan(0.001);
    }
  });

  it('answers null when the pitch is absent, or already sounding where the audio begins', () => {
    expect(toneOnset(toneFrom(RATE * 3, 0, 500), RATE, 900)).toBeNull();
    expect(toneOnset(toneFrom(RATE * 3, 0, 700), RATE, 700)).toBeNull();
    expect(toneOnset(new Float32Array(RATE * 3), RATE, 700)).toBeNull();
  });

  it('reads live HLS as the live encoder writes it, and times a pitch change by the program date time', async () => {
    const dir = await tempDir('airstudio-onset');
    dirs.push(dir);
    // 3 s of 500 Hz then 3 s of 700 Hz through the live output's encoder settings (AAC 128k, 2 s segments, PDT).
    await ffmpeg(
      '-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=48000:duration=3',
      '-f', 'lavfi', '-i', 'sine=frequency=700:sample_rate=48000:duration=3',
      '-filter_complex', '[0][1]concat=n=2:v=0:a=1',
      '-c:a', 'aac', '-b:a', '128k', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0',
      '-hls_flags', 'program_date_time', '-hls_segment_filename', path.join(dir, 'seg-%d.ts'), path.join(dir, 'index.m3u8')
    );
    const playlist = parseMediaPlaylist(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8'));
    expect(playlist.segments.length).toBeGreaterThanOrEqual(3);
    expect(playlist.segments.map((s) => s.name)).toEqual(playlist.segments.map((_, i) => `seg-${i}.ts`));
    expect(playlist.segments.every((s) => Number.isFinite(s.pdt) && s.duration > 0)).toBe(true);
    const runs = continuousRuns(playlist.segments);
    expect(runs).toHaveLength(1);

    const joined = Buffer.concat(playlist.segments.map((s) => fs.readFileSync(path.join(dir, s.name))));
    fs.writeFileSync(path.join(dir, 'all.ts'), joined);
    const { stdout } = await exec('ffmpeg', ['-v', 'error', '-i', path.join(dir, 'all.ts'), '-ac', '1', '-ar', String(RATE), '-f', 'f32le', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 26 });
    const pcm = new Float32Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.byteLength));
    const onset = toneOnset(pcm, RATE, 700);
    expect(onset).not.toBeNull();
    // The first segment begins with the encoder's priming (1024 samples at 48 kHz): the change is 3 s + 21 ms in.
    expect(Math.abs(onset! * 1000 - (3000 + (1024 / 48_000) * 1000))).toBeLessThan(5);
  });

  it('splits segments into continuous runs at a sequence gap or a program date time jump', () => {
    const seg = (seq: number, pdt: number) => ({ seq, name: `seg-${seq}.ts`, duration: 2, pdt });
    const runs = continuousRuns([seg(10, 0), seg(11, 2000), seg(13, 6000), seg(14, 8000), seg(15, 12_000)]);
    expect(runs.map((r) => r.map((s) => s.seq))).toEqual([[10, 11], [13, 14], [15]]);
  });

  it('parses a live playlist with the tags ffmpeg writes before each segment', () => {
    const p = parseMediaPlaylist(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:897001\n#EXTINF:2.005333,\n#EXT-X-PROGRAM-DATE-TIME:2026-11-22T11:18:36.506+0000\nseg-897001.ts\n#EXTINF:1.994667,\n#EXT-X-PROGRAM-DATE-TIME:2026-11-22T11:18:38.511+0000\nseg-897002.ts\n'
    );
    expect(p).toEqual({
      mediaSequence: 897001,
      targetDuration: 2,
      segments: [
        { seq: 897001, name: 'seg-897001.ts', duration: 2.005333, pdt: Date.parse('2026-11-22T11:18:36.506Z') },
        { seq: 897002, name: 'seg-897002.ts', duration: 1.994667, pdt: Date.parse('2026-11-22T11:18:38.511Z') }
      ]
    });
    expect(() => parseMediaPlaylist('<html>')).toThrow(/not an M3U8/);
  });
});
