import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LIVE_VIDEO_HEIGHT, LIVE_VIDEO_WIDTH } from '../../src/lib/live';
import { VIDEO_FRAME_BYTES } from './video-decoder';

/** Debian's fonts-dejavu-core (scripts/setup.sh installs it). */
const FONT = process.env.LIVE_CARD_FONT || '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const FONT_BOLD = process.env.LIVE_CARD_FONT_BOLD || '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const BACKGROUND = '0x1b2440';

export interface CardText {
  title: string;
  artist: string;
  channel: string;
}

/** Escapes a value for an ffmpeg filter option (':' and quotes end it otherwise). */
const option = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:');
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * The picture of an item that has none of its own (audio, a break, the station ID, a live source): one still frame of
 * its title, artist and the channel's name, rendered once by ffmpeg drawtext as raw yuv420p. The text goes through
 * files with expansion off, so no title can inject filter syntax.
 */
export async function renderCard(text: CardText, dir: string, key: string): Promise<Buffer> {
  const lines: { text: string; font: string; size: number; y: string; color: string }[] = [
    { text: cut(text.title, 34), font: FONT_BOLD, size: 64, y: '(h/2)-90', color: 'white' },
    { text: cut(text.artist, 48), font: FONT, size: 40, y: '(h/2)+10', color: '0xc8d0e8' },
    { text: cut(text.channel, 60), font: FONT, size: 30, y: 'h-90', color: '0x8a96b8' }
  ].filter((l) => l.text.trim());
  const filters: string[] = [];
  for (const [i, l] of lines.entries()) {
    const file = path.join(dir, `card-${key}-${i}.txt`);
    await writeFile(file, l.text);
    filters.push(`drawtext=fontfile='${option(l.font)}':textfile='${option(file)}':expansion=none:fontsize=${l.size}:fontcolor=${l.color}:x=(w-text_w)/2:y=${l.y}`);
  }
  const args = [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `color=c=${BACKGROUND}:s=${LIVE_VIDEO_WIDTH}x${LIVE_VIDEO_HEIGHT}`,
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    '-frames:v', '1', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'
  ];
  const frame = await new Promise<Buffer>((resolve, reject) =>
    execFile('ffmpeg', args, { encoding: 'buffer', maxBuffer: VIDEO_FRAME_BYTES * 2 }, (err, stdout, stderr) =>
      err ? reject(new Error(`card: ${stderr.toString().trim() || err.message}`)) : resolve(stdout)
    )
  );
  if (frame.length !== VIDEO_FRAME_BYTES) throw new Error(`card: ffmpeg gave ${frame.length} bytes, not one frame`);
  return frame;
}

/** A black frame, until the first card or video frame is there. */
export function blackFrame(): Buffer {
  const f = Buffer.alloc(VIDEO_FRAME_BYTES, 128);
  f.fill(16, 0, LIVE_VIDEO_WIDTH * LIVE_VIDEO_HEIGHT);
  return f;
}
