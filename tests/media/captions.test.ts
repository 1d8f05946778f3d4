import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import { ASR_ENGINE_LABELS, DEFAULT_ASR, type ProvidersView } from '$lib/ai';
import { CAPTION_ENGINE_LABELS, type CaptionCue } from '$lib/captions';
import type { JobJson } from '$lib/job';
import type { ToolResult } from '$lib/tool';
import { voice } from '../../workers/ai/voice';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { ffmpeg, h264, picture, tempDir } from '../helpers/media';
import { startOpenAiStub, STUB_SEGMENTS, type OpenAiStub } from '../helpers/openai-stub';
import { startServer, type RunningServer } from '../helpers/server';
import { uploadProcessed } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

// The captions tool through the whole system: a sentence voiced offline by festival, uploaded, captioned by a real
// worker with ffmpeg's asr filter (pocketsphinx); and the openai engine against a protocol-faithful stub server.
const SENTENCE = 'hello world this is the morning show on air studio radio';
/** Silence before the speech starts, and after it ends (seconds). */
const LEAD = 1.5;
const TAIL = 1;

let server: RunningServer;
let team: Team;
let dir: string;
let stub: OpenAiStub;

interface VttCue extends CaptionCue {
  id: string;
}

/** A strict WebVTT reader for what the tool writes: the header, then blocks of id, "start --> end" and text lines. */
function parseWebVtt(text: string): VttCue[] {
  const blocks = text.replace(/\r\n/g, '\n').trim().split(/\n\n+/);
  expect(blocks.shift()).toBe('WEBVTT');
  const seconds = (t: string) => {
    const m = /^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$/.exec(t);
    if (!m) throw new Error(`not a WebVTT timestamp: ${t}`);
    return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
  };
  return blocks.map((b) => {
    const [id, timing, ...lines] = b.split('\n');
    const m = /^(\S+) --> (\S+)$/.exec(timing ?? '');
    if (!m) throw new Error(`not a cue timing line: ${timing}`);
    expect(lines.length).toBeGreaterThan(0);
    return { id: id!, start: seconds(m[1]!), end: seconds(m[2]!), text: lines.join('\n') };
  });
}

async function runCaptions(asset: AssetJson, body: unknown): Promise<JobJson & { result: ToolResult }> {
  const started = await api(server, 'POST', `/api/assets/${asset.id}/tools/captions`, { token: team.editor.token, body });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  expect(started.body).toMatchObject({ type: 'tool.captions', status: 'queued' });
  // The service's key is handed to the worker per attempt, never kept in the job members can read.
  expect(JSON.stringify(started.body)).not.toContain(stub.key);
  let job: JobJson | undefined;
  await waitFor(async () => ['succeeded', 'failed'].includes((job = (await api(server, 'GET', `/api/jobs/${started.body.id}`, { token: team.owner.token })).body).status), 'tool.captions finishes', 120_000);
  expect(job!.error).toBeNull();
  expect(job!.status).toBe('succeeded');
  expect(JSON.stringify(job)).not.toContain(stub.key);
  return job as JobJson & { result: ToolResult };
}

/** The asset's caption variant, fetched by its signed URL as a download. */
async function captionFile(assetId: string, name: string): Promise<{ text: string; type: string | null; disposition: string | null }> {
  const asset = (await api<AssetJson>(server, 'GET', `/api/assets/${assetId}`, { token: team.viewer.token })).body;
  const variant = asset.variants.find((v) => v.name === name);
  expect(variant, `${name} among ${asset.variants.map((v) => v.name)}`).toBeDefined();
  const r = await fetch(`${server.url}${variant!.url}&download=1`);
  expect(r.status).toBe(200);
  return { text: await r.text(), type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition') };
}

describe.each(KINDS)('captions on %s', (kind) => {
  let database: TestDatabase | undefined;
  let speech: AssetJson;
  let speechSeconds: number;
  beforeAll(async () => {
    stub = await startOpenAiStub({ models: ['stub-chat-1', 'whisper-1', 'whisper-large-v3'] });
    database = await createTestDatabase(kind);
    server = await startServer({ databaseUrl: database.url, env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
    team = await createTeam(server, 'Captions');
    dir = await tempDir('airstudio-captions-');
    const voiced = await voice(SENTENCE, { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1, pitch: 0 }, path.join(dir, 'voiced.wav'));
    speechSeconds = voiced.durationSeconds;
    const file = path.join(dir, 'speech.wav');
    await ffmpeg('-i', voiced.file, '-af', `adelay=${LEAD * 1000}:all=1,apad=pad_dur=${TAIL}`, '-c:a', 'pcm_s16le', file);
    speech = await uploadProcessed(server, team.projectId, team.editor, file);
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
    await stub?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('captions a voiced sentence built-in: WebVTT and SRT kept with the asset, cues inside the speech, words recognised', async () => {
    const job = await runCaptions(speech, {});
    expect(job.result.assetId).toBeNull();
    expect(job.result.report).toEqual({ engine: CAPTION_ENGINE_LABELS.builtin });
    const cues = job.result.findings.cues!;
    expect(cues.length).toBeGreaterThan(0);

    const vtt = await captionFile(speech.id, 'captions.vtt');
    expect(vtt.type).toBe('text/vtt');
    expect(vtt.disposition).toMatch(/^attachment;/);
    const parsed = parseWebVtt(vtt.text);
    expect(parsed.map(({ start, end, text }) => ({ start, end, text }))).toEqual(cues);
    // Inside the speech's time range, give or take what silencedetect's threshold and asr's endpointing add.
    for (const c of parsed) {
      expect(c.end).toBeGreaterThan(c.start);
      expect(c.start).toBeGreaterThanOrEqual(LEAD - 0.3);
      expect(c.end).toBeLessThanOrEqual(LEAD + speechSeconds + 0.5);
    }
    expect(parsed[0]!.start).toBeLessThan(LEAD + 0.5);
    // pocketsphinx is modest (FIELD-NOTES: this sentence came back with 2 of 11 words wrong): ask for half of them.
    const heard = new Set(parsed.flatMap((c) => c.text.toLowerCase().split(/\s+/)));
    const expected = SENTENCE.split(' ');
    expect(expected.filter((w) => heard.has(w)).length, [...heard].join(' ')).toBeGreaterThanOrEqual(expected.length / 2);

    const srt = await captionFile(speech.id, 'captions.srt');
    expect(srt.type).toBe('application/x-subrip');
    expect(srt.text).toMatch(/^1\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n\S/);
    expect(srt.text.split('\n\n').filter(Boolean)).toHaveLength(cues.length);
  });

  it('refuses bad input with 4xx and keeps serving: unknown engine, odd options, no service set, viewers, a silent video', async () => {
    const start = (body: unknown, token = team.editor.token, id = speech.id) => api(server, 'POST', `/api/assets/${id}/tools/captions`, { token, body });
    expectApiError(await start({ engine: 'whisperx' }), 400, 'invalid_input');
    expectApiError(await start({ engine: 'openai', model: 'whisper 1; rm -rf /' }), 400, 'invalid_input');
    expectApiError(await start({ engine: 'builtin', language: 'fr' }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `/api/assets/${speech.id}/tools/captions`, { token: team.editor.token, raw: '{"engine":' }), 400);
    const none = await start({ engine: 'openai' });
    expectApiError(none, 409, 'transcription_not_configured');
    expect(none.body.error.message).toContain(CAPTION_ENGINE_LABELS.builtin);
    expectApiError(await start({}, team.viewer.token), 403);

    const mute = path.join(dir, 'mute.mp4');
    await ffmpeg(...picture(1), ...h264, mute);
    const silentVideo = await uploadProcessed(server, team.projectId, team.editor, mute);
    expectApiError(await start({}, team.editor.token, silentVideo.id), 422, 'tool_not_applicable');
    expect((await api(server, 'GET', '/health')).status).toBe(200);
  });

  it('captions a video with the openai engine against a stub transcription server (multipart, verbose_json segments)', async () => {
    const put = await api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { llm: { baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: stub.key } } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const file = path.join(dir, 'speech.mp4');
    await ffmpeg(...picture(LEAD + speechSeconds + TAIL), '-i', path.join(dir, 'speech.wav'), '-shortest', ...h264, '-c:a', 'aac', file);
    const video = await uploadProcessed(server, team.projectId, team.editor, file);

    // The stub's segments, not aligned to the speech Silero VAD hears (the stub does not listen): they must arrive as sent.
    const job = await runCaptions(video, { engine: 'openai', model: 'whisper-1', alignToSpeech: false });
    expect(job.result.report).toEqual({ engine: CAPTION_ENGINE_LABELS.openai });
    const sent = stub.requests.filter((r) => r.path === '/v1/audio/transcriptions');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', authorization: `Bearer ${stub.key}`, body: { model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['segment'] } });
    expect(sent[0]!.body.fileBytes).toBeGreaterThan(1000);
    const expected = STUB_SEGMENTS.map((s) => ({ start: s.start, end: s.end, text: s.text.trim() }));
    expect(job.result.findings.cues).toEqual(expected);
    const parsed = parseWebVtt((await captionFile(video.id, 'captions.vtt')).text);
    expect(parsed.map(({ start, end, text }) => ({ start, end, text }))).toEqual(expected);

    // A model the service does not have fails the job with the service's own words, not a retry loop.
    const started = await api(server, 'POST', `/api/assets/${video.id}/tools/captions`, { token: team.editor.token, body: { engine: 'openai', model: 'no-such-model' } });
    expect(started.status).toBe(202);
    let failed: JobJson | undefined;
    await waitFor(async () => (failed = (await api(server, 'GET', `/api/jobs/${started.body.id}`, { token: team.owner.token })).body).status === 'failed', 'the job fails', 120_000);
    expect(failed!.error).toMatch(/404.*no-such-model/);
    // The captions from the first run stay.
    expect(parseWebVtt((await captionFile(video.id, 'captions.vtt')).text)).toHaveLength(expected.length);
  });

  it('uses the project’s speech recognition settings (Providers › ASR): its own service, key and model, before the language model’s', async () => {
    const providers = (body: unknown) => api<ProvidersView>(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body });
    const test = async () => (await api(server, 'POST', `/api/projects/${team.projectId}/providers/test`, { token: team.editor.token, body: { kind: 'asr' } })).body;
    const fresh = await createTeam(server, 'No ASR');
    expect((await api<ProvidersView>(server, 'GET', `/api/projects/${fresh.projectId}/providers`, { token: fresh.viewer.token })).body.asr).toEqual(DEFAULT_ASR);
    expect(ASR_ENGINE_LABELS.builtin).toBe('built-in pocketsphinx (English, modest accuracy)');

    // The language model now points at a closed port: only the ASR section's own service can answer.
    const put = await providers({ llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'stub-chat-1', apiKey: null }, asr: { engine: 'openai', baseUrl: stub.baseUrl, model: 'whisper-large-v3', apiKey: stub.key } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.asr).toEqual({ engine: 'openai', baseUrl: stub.baseUrl, model: 'whisper-large-v3', hasKey: true, service: 'asr' });
    expect(JSON.stringify(put.body)).not.toContain(stub.key);
    expect(await test()).toMatchObject({ ok: true, message: expect.stringContaining('"whisper-large-v3" is listed') });

    // No engine named: the project's setting (openai) and its model.
    const before = stub.requests.filter((r) => r.path === '/v1/audio/transcriptions').length;
    const job = await runCaptions(speech, {});
    expect(job.input).toMatchObject({ options: { engine: 'openai', model: 'whisper-large-v3' } });
    expect(job.result.report).toEqual({ engine: CAPTION_ENGINE_LABELS.openai });
    const sent = stub.requests.filter((r) => r.path === '/v1/audio/transcriptions');
    expect(sent).toHaveLength(before + 1);
    expect(sent.at(-1)).toMatchObject({ authorization: `Bearer ${stub.key}`, body: { model: 'whisper-large-v3' } });
    expect(job.result.findings.cues).toEqual(STUB_SEGMENTS.map((s) => ({ start: s.start, end: s.end, text: s.text.trim() })));

    // A missing model at the ASR service is a plain failed test; hostile settings are 400s.
    await providers({ asr: { engine: 'openai', baseUrl: stub.baseUrl, model: 'no-such-asr' } });
    expect(await test()).toMatchObject({ ok: false, message: expect.stringContaining('has no model "no-such-asr"') });
    expectApiError(await providers({ asr: { engine: 'whisperx' } }), 400, 'invalid_input');
    expectApiError(await providers({ asr: { engine: 'openai', baseUrl: 'file:///etc/passwd' } }), 400, 'invalid_input');
    expectApiError(await providers({ asr: { engine: 'openai', model: 'two words' } }), 400, 'invalid_input');

    // Built-in again: the test says what it is, and a run without an engine recognises offline.
    const builtin = await providers({ asr: { engine: 'builtin' } });
    expect(builtin.body.asr).toMatchObject({ engine: 'builtin', baseUrl: null, hasKey: false });
    expect(await test()).toMatchObject({ ok: true, message: expect.stringContaining('pocketsphinx') });
    const offline = await api(server, 'POST', `/api/assets/${speech.id}/tools/captions`, { token: team.editor.token, body: {} });
    expect(offline.body).toMatchObject({ input: { options: { engine: 'builtin' } } });
  });
});
