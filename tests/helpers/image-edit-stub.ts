import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/**
 * A stand-in for an image-edit server at the network boundary, speaking OpenAI's images API as airstudio's staging
 * provider calls it: `GET /v1/models`; multipart `POST /v1/images/edits` {model, prompt, image} → `{created, data:
 * [{b64_json}]}` with a PNG of the input's size (flat green: the stub stages nothing). It checks the bearer key and
 * records what it was sent.
 */
export interface ImageEditStub {
  baseUrl: string;
  key: string;
  model: string;
  /** The colour of every picture it answers. */
  color: { r: number; g: number; b: number };
  requests: { method: string; path: string; authorization: string | undefined; form: Record<string, string> | null; image: { type: string; width: number; height: number } | null }[];
  close(): Promise<void>;
}

export async function startImageEditStub(): Promise<ImageEditStub> {
  const key = 'sk-staging-stub-key';
  const model = 'stub-image-edit';
  const color = { r: 40, g: 170, b: 90 };
  const requests: ImageEditStub['requests'] = [];
  const server = http.createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0];
    const record: ImageEditStub['requests'][number] = { method: req.method ?? '', path, authorization: req.headers.authorization, form: null, image: null };
    requests.push(record);
    if (req.headers.authorization !== `Bearer ${key}`) return send(401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
    if (req.method === 'GET' && path === '/v1/models') return send(200, { object: 'list', data: [{ id: model, object: 'model', created: 0, owned_by: 'stub' }] });
    if (req.method !== 'POST' || path !== '/v1/images/edits') return send(404, { error: { message: 'Not found', type: 'invalid_request_error' } });
    let form: FormData;
    try {
      // multipart/form-data, as the OpenAI SDK sends it; undici's parser reads it.
      form = await new Request('http://stub/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body }).formData();
    } catch {
      return send(400, { error: { message: 'The body is not multipart/form-data.', type: 'invalid_request_error' } });
    }
    record.form = {};
    for (const [k, v] of form.entries()) if (typeof v === 'string') record.form[k] = v;
    const image = form.get('image') ?? form.get('image[]');
    if (!(image instanceof File)) return send(400, { error: { message: 'image is required.', type: 'invalid_request_error' } });
    let size;
    try {
      size = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    } catch {
      return send(400, { error: { message: 'image is not a picture.', type: 'invalid_request_error' } });
    }
    record.image = { type: image.type, width: size.width ?? 0, height: size.height ?? 0 };
    if (record.form.model !== model) return send(404, { error: { message: `The model '${record.form.model}' does not exist.`, type: 'invalid_request_error' } });
    if (!record.form.prompt) return send(400, { error: { message: 'prompt is required.', type: 'invalid_request_error' } });
    const png = await sharp({ create: { width: record.image.width, height: record.image.height, channels: 3, background: color } }).png().toBuffer();
    send(200, { created: Math.floor(Date.now() / 1000), data: [{ b64_json: png.toString('base64') }] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    key,
    model,
    color,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  };
}
