/**
 * The ffmpeg work of podcasts, done by the web process (stream copies and one small image: seconds, not minutes):
 * cutting an episode out of recording files, embedding chapters, measuring a file, squaring the artwork.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { newId } from '$lib/editor/model/ids';

const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH || 'ffprobe';
/** A day of audio stream-copied takes well under this. */
const TIMEOUT_MS = 5 * 60_000;

export interface Chapter {
  /** Seconds from the episode's start. */
  startTime: number;
  endTime?: number;
  title: string;
}

/** A slice of one recording file, in seconds of that file. */
export interface RecordingSlice {
  file: string;
  inpoint: number;
  outpoint: number;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} failed (${code}): ${err.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}

/** Duration in seconds, or null when ffprobe finds no audio. */
export async function audioDuration(file: string): Promise<number | null> {
  const out = await run(FFPROBE, ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', file]).catch(() => null);
  if (!out) return null;
  const parsed = JSON.parse(out) as { format?: { duration?: string }; streams?: unknown[] };
  const d = Number(parsed.format?.duration);
  return parsed.streams?.length && Number.isFinite(d) ? d : null;
}

const escapeMeta = (s: string) => s.replace(/[\\=;#\n]/g, (c) => (c === '\n' ? ' ' : `\\${c}`));

/** FFMETADATA with one [CHAPTER] per chapter, each running to the next one (the last to `total` seconds). */
function chapterMetadata(chapters: Chapter[], total: number, title: string): string {
  const lines = [';FFMETADATA1', `title=${escapeMeta(title)}`];
  chapters.forEach((c, i) => {
    const end = chapters[i + 1]?.startTime ?? total;
    lines.push('[CHAPTER]', 'TIMEBASE=1/1000', `START=${Math.round(c.startTime * 1000)}`, `END=${Math.round(end * 1000)}`, `title=${escapeMeta(c.title)}`);
  });
  return lines.join('\n') + '\n';
}

/**
 * Joins the slices into one AAC .m4a by stream copy (concat demuxer with in/out points: AAC frames are all
 * keyframes, so the cut is exact to a frame), with the chapters embedded and the index at the front for streaming.
 */
export async function cutRecording(slices: RecordingSlice[], out: string, meta: { title: string; chapters: Chapter[]; total: number }): Promise<void> {
  const work = `${out}.${newId()}`;
  const list = `${work}.txt`;
  const metadata = `${work}.meta`;
  const quote = (f: string) => `'${f.replace(/'/g, "'\\''")}'`;
  await fs.writeFile(list, slices.map((s) => `file ${quote(s.file)}\ninpoint ${s.inpoint.toFixed(3)}\noutpoint ${s.outpoint.toFixed(3)}\n`).join(''));
  await fs.writeFile(metadata, chapterMetadata(meta.chapters, meta.total, meta.title));
  try {
    await run(FFMPEG, [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'concat', '-safe', '0', '-i', list,
      '-f', 'ffmetadata', '-i', metadata,
      '-map', '0:a', '-map_metadata', '1', '-map_chapters', '1',
      '-c', 'copy', '-movflags', '+faststart', '-f', 'ipod', `${work}.m4a`
    ]);
    await fs.rename(`${work}.m4a`, out);
  } finally {
    await Promise.all([list, metadata, `${work}.m4a`].map((f) => fs.rm(f, { force: true })));
  }
}

/** The square artwork podcast apps ask for: a centre crop, scaled to 1400–3000 px, as JPEG. */
export async function squareArtwork(source: string, out: string, size: { width: number; height: number }): Promise<void> {
  const side = Math.min(3000, Math.max(1400, Math.min(size.width, size.height)));
  const tmp = `${out}.${newId()}.jpg`;
  try {
    await run(FFMPEG, [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', source,
      '-vf', `crop='min(iw,ih)':'min(iw,ih)',scale=${side}:${side}:flags=lanczos,format=yuvj420p`,
      '-frames:v', '1', '-q:v', '3', '-f', 'image2', '-c:v', 'mjpeg', tmp
    ]);
    await fs.rename(tmp, out);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
