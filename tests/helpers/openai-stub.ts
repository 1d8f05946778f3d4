import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an OpenAI-compatible service, at the network boundary: it speaks the public protocol
 * (`GET /v1/models`, `POST /v1/chat/completions` streamed as SSE chunks, `POST /v1/audio/speech`, multipart
 * `POST /v1/audio/transcriptions`), checks the bearer key, and records what it was sent. Its answers are fixed: it is
 * not a language model and recognises no speech.
 */
export interface OpenAiStub {
  /** e.g. http://127.0.0.1:1234/v1 */
  baseUrl: string;
  key: string;
  models: string[];
  requests: { method: string; path: string; authorization: string | undefined; body: any }[];
  close(): Promise<void>;
}

/** The stub's chat answer: a sentence in two pieces, then a tool call whose arguments arrive in three pieces. */
export const STUB_TEXT = ['Queueing ', 'the track.'];
export const STUB_TOOL = { name: 'add_playlist_item', arguments: { playlistId: 'morning', assetId: 'a1b2', position: 3 } };

/** The stub's transcript, as verbose_json segments (seconds); the duration it reports is the uploaded file's own. */
export const STUB_SEGMENTS = [
  { start: 0.4, end: 2.1, text: ' This is the stub transcription service.' },
  { start: 2.6, end: 4.2, text: ' It recognises no speech at all.' }
];

/**
 * `toolCall` sets the tool call the chat answer ends with when tools are offered: its name and its arguments exactly
 * as the model would send them (a JSON text, or something malformed).
 */
export async function startOpenAiStub({
  key = 'sk-stub-key',
  models = ['stub-chat-1', 'stub-tts-1'],
  toolCall = { name: STUB_TOOL.name, arguments: JSON.stringify(STUB_TOOL.arguments) }
}: { key?: string; models?: string[]; toolCall?: { name: string; arguments: string } } = {}): Promise<OpenAiStub> {
  const requests: OpenAiStub['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const bytes = Buffer.concat(chunks);
      const raw = bytes.toString();
      let body: any = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const path = (req.url ?? '/').split('?')[0];
      requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
      const fail = (status: number, message: string, type: string) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type, code: null, param: null } }));
      };
      if (req.headers.authorization !== `Bearer ${key}`) return fail(401, 'Incorrect API key provided.', 'invalid_request_error');
      if (req.method === 'GET' && path === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'stub' })) }));
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        if (!models.includes(body?.model)) return fail(404, `The model '${body?.model}' does not exist`, 'invalid_request_error');
        if (!body.stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ id: 'chatcmpl-stub', object: 'chat.completion', created: 1700000000, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'length' }] }));
        }
        return streamChat(res, body.model, body.tools?.length ? toolCall : null);
      }
      if (req.method === 'POST' && path === '/v1/audio/speech') {
        if (!models.includes(body?.model)) return fail(404, `The model '${body?.model}' does not exist`, 'invalid_request_error');
        const wav = toneWav(Math.max(0.5, String(body.input ?? '').length * 0.06));
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length });
        return res.end(wav);
      }
      if (req.method === 'POST' && path === '/v1/audio/transcriptions') {
        // multipart/form-data, as the OpenAI SDK sends it; undici's parser reads it.
        const form = await new Request('http://stub/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: bytes })
          .formData()
          .catch(() => null);
        const file = form?.get('file');
        const model = form?.get('model');
        const format = String(form?.get('response_format') ?? 'json');
        const upload = file instanceof Blob ? Buffer.from(await file.arrayBuffer()) : null;
        requests[requests.length - 1].body = {
          model,
          response_format: format,
          timestamp_granularities: form?.getAll('timestamp_granularities[]') ?? [],
          fileName: file instanceof File ? file.name : null,
          fileBytes: upload?.length ?? 0
        };
        if (!upload?.length) return fail(400, 'Missing required parameter: file', 'invalid_request_error');
        if (!models.includes(String(model))) return fail(404, `The model '${model}' does not exist`, 'invalid_request_error');
        const text = STUB_SEGMENTS.map((s) => s.text).join('').trim();
        if (format === 'text') return res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
        if (format === 'json') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text }));
        if (format !== 'verbose_json') return fail(400, `Unsupported response_format ${format} in this stub`, 'invalid_request_error');
        const segments = STUB_SEGMENTS.map((s, id) => ({ id, seek: 0, ...s, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1.2, no_speech_prob: 0.01 }));
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ task: 'transcribe', language: 'english', duration: durationOf(upload), text, segments }));
      }
      fail(404, `Unknown route ${req.method} ${path}`, 'invalid_request_error');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    key,
    models,
    requests,
    close: () => new Promise((r) => server.close(() => r()))
  };
}

/** Chunks as OpenAI sends them: role first, content deltas, tool-call deltas (id and name once, arguments in pieces), finish, [DONE]. */
function streamChat(res: http.ServerResponse, model: string, tool: { name: string; arguments: string } | null): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const chunk = (delta: object, finish: string | null = null) =>
    res.write(`data: ${JSON.stringify({ id: 'chatcmpl-stub', object: 'chat.completion.chunk', created: 1700000000, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
  chunk({ role: 'assistant', content: '' });
  for (const piece of STUB_TEXT) chunk({ content: piece });
  if (tool) {
    const args = tool.arguments;
    const cuts = [0, Math.min(10, args.length), Math.min(25, args.length), args.length];
    chunk({ tool_calls: [{ index: 0, id: 'call_stub_1', type: 'function', function: { name: tool.name, arguments: '' } }] });
    for (let i = 0; i + 1 < cuts.length; i++) chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(cuts[i], cuts[i + 1]) } }] });
    chunk({}, 'tool_calls');
  } else chunk({}, 'stop');
  res.end('data: [DONE]\n\n');
}

/** Seconds of audio in the uploaded file, measured by ffprobe. */
function durationOf(file: Buffer): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: file });
  return Number(String(r.stdout).trim()) || 0;
}

/** A sine tone as WAV, made by ffmpeg (the stub speaks no words). */
function toneWav(seconds: number): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=220:duration=${seconds.toFixed(2)}`, '-ac', '1', '-ar', '24000', '-f', 'wav', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ffmpeg could not make the stub's audio: ${r.stderr}`);
  return r.stdout;
}
