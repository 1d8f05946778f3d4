/**
 * Media fixtures for tests, made with the system's ffmpeg (lavfi sources, so nothing is downloaded), and the
 * measuring tools the tests check outputs with (ffprobe, ebur128, SHA-256).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const exec = promisify(execFile);

/** Runs ffmpeg quietly (overwriting outputs); resolves with its stderr (where filters such as ebur128 report). */
export async function ffmpeg(...args: string[]): Promise<string> {
  const { stderr } = await exec('ffmpeg', ['-nostdin', '-hide_banner', '-nostats', '-y', ...args], { maxBuffer: 64 << 20 });
  return stderr;
}

export interface Probe {
  format: { duration?: string; format_name?: string; [k: string]: unknown };
  streams: { codec_type?: string; codec_name?: string; width?: number; height?: number; duration?: string; [k: string]: unknown }[];
}

export async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout);
}

/** Integrated loudness (LUFS) and true peak (dBTP) measured with ebur128. */
export async function loudness(file: string): Promise<{ integrated: number; truePeak: number }> {
  const stderr = await ffmpeg('-i', file, '-af', 'ebur128=peak=true', '-f', 'null', '-');
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
  const truePeak = Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1]);
  if (!Number.isFinite(integrated)) throw new Error(`no ebur128 summary for ${file}:\n${stderr.slice(-2000)}`);
  return { integrated, truePeak };
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  return sha256(await readFile(file));
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
}

/** Every regular file under `dir` (relative paths), or [] when the folder does not exist. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .sort();
}

// ---- lavfi inputs ---------------------------------------------------------------------------

export const sine = (seconds: number, frequency = 440) => ['-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=44100:duration=${seconds}`];
export const picture = (seconds: number, size = '320x240', rate = 25) => ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${rate}:duration=${seconds}`];
export const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/** A short MP3 tone; a different `frequency` gives different bytes (so uploads are not duplicates). */
export function writeTone(file: string, { seconds = 1, frequency = 440 } = {}): Promise<string> {
  return ffmpeg(...sine(seconds, frequency), '-c:a', 'libmp3lame', '-b:a', '64k', file);
}

/**
 * An H.264/AAC MP4 of about `megabytes` MB: moving test pattern with grain (so it does not compress away),
 * index at the end as cameras write it.
 */
export async function writeNoisyMp4(file: string, { seconds = 4, megabytes = 3, frequency = 330 } = {}): Promise<void> {
  const kbps = Math.round((megabytes * 8 * 1024) / seconds);
  await ffmpeg(
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds}`,
    ...sine(seconds, frequency),
    '-vf', 'noise=alls=30:allf=t',
    ...h264, '-b:v', `${kbps}k`, '-minrate', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`,
    '-c:a', 'aac', '-b:a', '96k', '-t', String(seconds),
    file
  );
}

/** A WAV of a tone with noise under it, scaled to about `lufs` integrated loudness. */
export async function writeQuietMix(file: string, { seconds = 12, lufs = -30 } = {}): Promise<void> {
  const raw = `${file}.raw.wav`;
  await ffmpeg(
    ...sine(seconds, 523),
    '-f', 'lavfi', '-i', `anoisesrc=color=pink:sample_rate=44100:amplitude=0.3:duration=${seconds}`,
    '-filter_complex', '[0:a][1:a]amix=inputs=2:normalize=0[m]',
    '-map', '[m]', '-ac', '2', '-c:a', 'pcm_s16le', raw
  );
  const measured = await loudness(raw);
  await ffmpeg('-i', raw, '-af', `volume=${(lufs - measured.integrated).toFixed(2)}dB`, '-c:a', 'pcm_s16le', file);
  fs.rmSync(raw, { force: true });
}

/** Keeps the first `fraction` of a file, as an interrupted upload would. */
export async function writeCut(from: string, to: string, fraction: number): Promise<void> {
  const data = await readFile(from);
  await writeFile(to, data.subarray(0, Math.floor(data.length * fraction)));
}

// ---- a PNG decompression bomb ------------------------------------------------------------------

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/**
 * A 30000×30000 1-bit grayscale PNG (900 megapixels) that is only ~110 KB on disk: a
 * decompression bomb. The pixel rows are deflated in a stream, so the test never holds them.
 */
export async function writeBombPng(file: string, side = 30000): Promise<void> {
  const rowsPerWrite = 500;
  const rows = Buffer.alloc((1 + side / 8) * rowsPerWrite); // filter byte 0 + 3750 zero bytes per row
  const deflate = zlib.createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (c: Buffer) => compressed.push(c));
  const ended = new Promise((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  for (let y = 0; y < side; y += rowsPerWrite) {
    if (!deflate.write(rows)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await ended;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  const handle = await open(file, 'w');
  try {
    await handle.write(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    await handle.write(pngChunk('IHDR', ihdr));
    await handle.write(pngChunk('IDAT', Buffer.concat(compressed)));
    await handle.write(pngChunk('IEND', Buffer.alloc(0)));
  } finally {
    await handle.close();
  }
}

/** Top-level MP4 boxes in file order, to see whether faststart moved moov in front of mdat. */
export function topLevelBoxes(buf: Buffer): string[] {
  const boxes: string[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(at + 8));
    else if (size === 0) size = buf.length - at;
    if (size < 8) throw new Error(`bad box ${type} at ${at}`);
    boxes.push(type);
    at += size;
  }
  return boxes;
}

/** Three 2 s shots cut together (red, test pattern, blue) at 25 fps, no sound: scene cuts at exactly 2 s and 4 s. */
export function writeShots(file: string): Promise<string> {
  return ffmpeg(
    '-f', 'lavfi', '-i', 'color=red:s=320x240:r=25:d=2',
    '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=25:d=2',
    '-f', 'lavfi', '-i', 'color=blue:s=320x240:r=25:d=2',
    '-filter_complex', '[0][1][2]concat=n=3:v=1:a=0', ...h264, file
  );
}
