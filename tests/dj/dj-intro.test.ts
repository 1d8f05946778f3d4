import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIntro, type DjIntroInput } from '../../workers/dj/dj-intro';
import { probeMedia } from '../../workers/media/probe';
import { ffmpeg } from '../helpers/media';
import { startOpenAiStub, STUB_TEXT, type OpenAiStub } from '../helpers/openai-stub';

// The dj.intro worker's work: a line written (templates, or a language model over the OpenAI protocol) and voiced
// by Debian's espeak-ng, normalised with ffmpeg; ffprobe checks what came out.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-dj-test-'));
let stub: OpenAiStub;
beforeAll(async () => {
  stub = await startOpenAiStub();
});
afterAll(async () => {
  await stub?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const input = (over: Partial<DjIntroInput> = {}): DjIntroInput => ({
  introId: 'aaaaaaaaaaaaaaaa',
  text: null,
  source: null,
  style: 'Warm late-night host, short sentences, loves jazz trivia.',
  context: {
    kind: 'intro',
    channel: 'Tone FM',
    dj: 'Nova',
    title: 'Blue Hour',
    artist: 'The Waves',
    uploader: 'mia',
    description: 'Recorded live at dawn',
    timeOfDay: 'night',
    previous: { title: 'Red Sky', artist: 'Ember' },
    next: null
  },
  voice: { engine: 'espeak-ng', voice: 'en', rate: 1, pitch: 0 },
  avoid: [],
  ...over
});

const workDir = (name: string) => fs.mkdtempSync(path.join(dir, `${name}-`));

describe('dj.intro: writing and voicing a line', () => {
  it('writes a template line and voices it with espeak-ng: a 48 kHz mono WAV of a plausible length, at broadcast loudness', async () => {
    const made = await makeIntro(input(), null, workDir('template'));
    expect(made.source).toBe('template');
    expect(made.text).toContain('Blue Hour');
    const probe = await probeMedia(made.file);
    expect(probe.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 48_000, channels: 1 });
    // A sentence or three read by espeak-ng: 1.5–20 s.
    expect(probe.duration).toBeGreaterThan(1.5);
    expect(probe.duration).toBeLessThan(20);
    expect(made.duration).toBeCloseTo(probe.duration!, 1);
    // loudnorm to -16 LUFS integrated: its ebur128 measure lands within a few LU of it.
    const report = await ffmpeg('-i', made.file, '-af', 'ebur128', '-f', 'null', '-');
    const integrated = Number(/I:\s+(-?[\d.]+) LUFS/.exec(report.split('Summary:').pop() ?? '')?.[1]);
    expect(integrated).toBeGreaterThan(-21);
    expect(integrated).toBeLessThan(-11);
  });

  it("voices a person's line as written, keeping its source", async () => {
    const made = await makeIntro(input({ text: 'This one goes out to the night shift.', source: 'llm' }), null, workDir('edited'));
    expect(made).toMatchObject({ text: 'This one goes out to the night shift.', source: 'llm' });
    expect(made.duration).toBeGreaterThan(1);
  });

  it('writes the line with the language model: persona, style and the item reach it (OpenAI-compatible stub)', async () => {
    const before = stub.requests.length;
    const made = await makeIntro(input(), { baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: stub.key }, workDir('llm'));
    expect(made).toMatchObject({ text: STUB_TEXT.join(''), source: 'llm' });
    const sent = stub.requests.slice(before).find((r) => r.path === '/v1/chat/completions')!;
    expect(sent.authorization).toBe(`Bearer ${stub.key}`);
    const [system, user] = sent.body.messages as { role: string; content: string }[];
    expect(system.content).toContain('Nova');
    expect(system.content).toContain('Tone FM');
    expect(system.content).toContain('loves jazz trivia');
    expect(JSON.parse(user.content)).toMatchObject({ title: 'Blue Hour', artist: 'The Waves', uploader: 'mia', timeOfDay: 'night', playedBefore: { title: 'Red Sky' } });
    expect(made.duration).toBeGreaterThan(0.5);
  });

  it('falls back to a template line, labelled as one, when the language model refuses (OpenAI-compatible stub, wrong key)', async () => {
    const made = await makeIntro(input(), { baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: 'sk-wrong' }, workDir('refused'));
    expect(made.source).toBe('template');
    expect(made.text).toContain('Blue Hour');
  });

  it('refuses a voice name that is not one, permanently', async () => {
    await expect(makeIntro(input({ voice: { engine: 'espeak-ng', voice: '--help;rm', rate: 1, pitch: 0 } }), null, workDir('bad'))).rejects.toThrow(/not a voice name/);
  });
});
