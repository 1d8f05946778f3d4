import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_SAMPLE_RATE, LIVE_VIDEO_FPS, LIVE_VIDEO_HEIGHT, LIVE_VIDEO_WIDTH, type LiveItem } from '$lib/live';
import { renderCard } from '../../workers/live/card';
import { onPicture, SAMPLES_PER_VIDEO_FRAME } from '../../workers/live/picture';
import { VIDEO_FRAME_BYTES } from '../../workers/live/video-decoder';
import { tempDir } from '../helpers/media';

const T0 = Date.UTC(2026, 0, 5, 12);
const item = (assetId: string, start: number, end: number): LiveItem => ({
  kind: 'track', assetId, itemId: null, requestId: null, start: T0 + start, end: T0 + end, cueIn: 0, fadeIn: 1, fadeOut: 1,
  blockId: null, playlistId: null, show: '', prompt: null, reason: '', alert: false, title: assetId, artist: '', assetKind: 'video', url: null, videoUrl: null
});

let dir: string;
beforeAll(async () => (dir = await tempDir('airstudio-picture-')));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("a video channel's picture", () => {
  it('is one frame per 1920 samples: 25 a second on the audio clock', () => {
    expect(SAMPLES_PER_VIDEO_FRAME * LIVE_VIDEO_FPS).toBe(LIVE_SAMPLE_RATE);
    expect(SAMPLES_PER_VIDEO_FRAME).toBe(1920);
  });

  it('cuts to the incoming item halfway through a crossfade', () => {
    // a: 0–10 s, b: 8–20 s (a 2 s crossfade), then a gap, then c alone.
    const items = [item('a', 0, 10_000), item('b', 8_000, 20_000), item('c', 25_000, 30_000)];
    expect(onPicture(items, T0 + 5_000)?.assetId).toBe('a');
    expect(onPicture(items, T0 + 8_500)?.assetId).toBe('a');
    expect(onPicture(items, T0 + 8_999)?.assetId).toBe('a');
    expect(onPicture(items, T0 + 9_000)?.assetId).toBe('b');
    expect(onPicture(items, T0 + 9_900)?.assetId).toBe('b');
    expect(onPicture(items, T0 + 22_000)).toBeNull();
    expect(onPicture(items, T0 + 25_000)?.assetId).toBe('c');
  });

  it('draws a card as one 1280x720 yuv420p frame, whatever the title holds', async () => {
    const frame = await renderCard({ title: "Don't: stop %{pts} \\ 'me'", artist: 'Artist: A', channel: 'Test TV' }, dir, 't');
    expect(frame.length).toBe(VIDEO_FRAME_BYTES);
    expect(VIDEO_FRAME_BYTES).toBe((LIVE_VIDEO_WIDTH * LIVE_VIDEO_HEIGHT * 3) / 2);
    // Mostly the card's dark background, with some bright text on it.
    const luma = frame.subarray(0, LIVE_VIDEO_WIDTH * LIVE_VIDEO_HEIGHT);
    const bright = luma.filter((y) => y > 180).length / luma.length;
    expect(bright).toBeGreaterThan(0.005);
    expect(bright).toBeLessThan(0.2);
    expect(fs.readFileSync(`${dir}/card-t-0.txt`, 'utf8')).toBe("Don't: stop %{pts} \\ 'me'");
  });
});
