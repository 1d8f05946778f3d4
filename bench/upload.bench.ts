// Benchmark: upload throughput on loopback for a 1 GiB file, hashing included.
// A 1 GiB WAV (valid PCM: the server checks what it accepts) goes up over tus to the built web process twice:
// as one PATCH of the whole file, and with tus-js-client in 8 MiB chunks as the studio sends it. The time runs
// from the creation POST to the answer of the last PATCH, which includes SHA-256 (computed as bytes stream in),
// the media check (magic bytes, ffprobe, decoding a slice at each end) and the move into the content store.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { createProject, signup } from '../tests/helpers/api';
import { deadline, fmtBytes, machine, printTargets, procCpuMs, round, startBenchServer, writeResult, type TargetRow } from './lib/common';

const BYTES = Number(process.env.BENCH_UPLOAD_BYTES ?? 1024 ** 3);
deadline('upload', 220_000);
const started = Date.now();

/** A PCM WAV of exactly `total` bytes: 48 kHz stereo 16-bit, with a noise-like pattern (not all zeros). */
function writeWav(file: string, total: number) {
  const dataBytes = total - 44;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(total - 8, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(2, 22);
  h.writeUInt32LE(48_000, 24);
  h.writeUInt32LE(48_000 * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(dataBytes, 40);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, h);
  const block = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < block.length; i += 2) block.writeInt16LE(((i * 7919) % 6000) - 3000, i);
  for (let written = 0; written < dataBytes; ) {
    const n = Math.min(block.length, dataBytes - written);
    fs.writeSync(fd, block, 0, n);
    written += n;
  }
  fs.closeSync(fd);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-upload-'));
const fileA = path.join(dir, 'a.wav');
const fileB = path.join(dir, 'b.wav');
writeWav(fileA, BYTES);
fs.copyFileSync(fileA, fileB);
// A different last sample, so the second upload is new content and not answered as a duplicate.
const fd = fs.openSync(fileB, 'r+');
fs.writeSync(fd, Buffer.from([1, 2, 3, 4]), 0, 4, BYTES - 4);
fs.closeSync(fd);
const sha = (f: string) =>
  new Promise<string>((resolve) => {
    const h = createHash('sha256');
    fs.createReadStream(f).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex')));
  });
const [shaA, shaB] = await Promise.all([sha(fileA), sha(fileB)]);

const server = await startBenchServer({ env: { MEDIA_MAX_AUDIO_MB: '4096' } });
const user = await signup(server, 'bench_uploader');
const projectId = await createProject(server, user, 'Upload bench');
const meta = (name: string) => `projectId ${Buffer.from(projectId).toString('base64')},filename ${Buffer.from(name).toString('base64')}`;

/** One tus upload in a single PATCH, streamed from disk with node:http. */
async function singlePatch(file: string) {
  const t0 = performance.now();
  const create = await fetch(`${server.url}/api/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'tus-resumable': '1.0.0', 'upload-length': String(BYTES), 'upload-metadata': meta('a.wav') }
  });
  if (create.status !== 201) throw new Error(`create: ${create.status} ${await create.text()}`);
  const location = new URL(create.headers.get('location')!, server.url);
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.request(location, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${user.token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(BYTES) }
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d)).on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    fs.createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(req);
  });
  return { ms: performance.now() - t0, asset: JSON.parse(body) as { sha256: string; bytes: number } };
}

/** The studio's way: tus-js-client, 8 MiB chunks. */
async function tusClient(file: string) {
  const t0 = performance.now();
  const asset = await new Promise<{ sha256: string; bytes: number }>((resolve, reject) => {
    const up = new tus.Upload(fs.createReadStream(file), {
      endpoint: `${server.url}/api/uploads`,
      headers: { authorization: `Bearer ${user.token}` },
      metadata: { projectId, filename: 'b.wav' },
      uploadSize: BYTES,
      chunkSize: 8 * 1024 * 1024,
      onError: reject,
      onSuccess: (p) => resolve(JSON.parse((p as unknown as { lastResponse: { getBody(): string } }).lastResponse.getBody()))
    });
    up.start();
  });
  return { ms: performance.now() - t0, asset };
}

const cpu0 = procCpuMs(server.pid);
const single = await singlePatch(fileA);
const cpu1 = procCpuMs(server.pid);
const chunked = await tusClient(fileB);
const cpu2 = procCpuMs(server.pid);
await server.stop();
fs.rmSync(dir, { recursive: true, force: true });

const ok = single.asset.sha256 === shaA && chunked.asset.sha256 === shaB && single.asset.bytes === BYTES;
const mibps = (ms: number) => round(BYTES / 1024 ** 2 / (ms / 1000), 1);
const targets: TargetRow[] = [
  { metric: `upload ${fmtBytes(BYTES)}, one PATCH`, target: 'hashed while streaming', measured: `${mibps(single.ms)} MiB/s (${round(single.ms / 1000, 1)} s)`, met: ok ? null : false },
  { metric: `upload ${fmtBytes(BYTES)}, tus-js-client 8 MiB chunks`, target: 'hashed while streaming', measured: `${mibps(chunked.ms)} MiB/s (${round(chunked.ms / 1000, 1)} s)`, met: ok ? null : false }
];
printTargets(targets);
const details = {
  bytes: BYTES,
  hashesMatch: ok,
  singlePatch: { ms: round(single.ms), mibPerSecond: mibps(single.ms), serverCpuMs: cpu1 - cpu0 },
  tusClient8MiB: { ms: round(chunked.ms), mibPerSecond: mibps(chunked.ms), serverCpuMs: cpu2 - cpu1 }
};
console.log(JSON.stringify(details));
const file = writeResult({
  name: 'upload',
  title: 'upload throughput on loopback (tus, SHA-256 while streaming, media check)',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `${fmtBytes(BYTES)} PCM WAV over tus to the built server on 127.0.0.1 (SQLite, local storage); client in this process`,
  targets,
  details
});
console.log(`  results: ${file}`);
process.exit(ok ? 0 : 1);
