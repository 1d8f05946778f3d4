// Benchmark: speed (× real time) of each media tool on a 60 s 1080p30 clip, as the tool.* jobs run them (the tool
// functions themselves, in this process; download and upload are not counted). The clip is H.264/AAC: testsrc2 seen
// through a jittering crop (a shaky camera) and a tone in pink noise that pauses every few seconds (a voice with
// breaths), with three hard cuts to plain colour. Cleanup is timed with and without RNNoise; ESRGAN is timed on one
// 1080p still (its 2× output is 4K), in seconds per still and megapixels a second. BENCH_MEDIA_TOOLS_SECONDS shortens
// the clip for a smoke run.
// bench-backstop-seconds: 1800
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ToolName } from '../src/lib/tool';
import { TOOL_OPTIONS, TOOLS } from '../src/lib/tool';
import { makeCaptions } from '../workers/tool/captions';
import { cleanupAudio } from '../workers/tool/cleanup';
import { correctColor } from '../workers/tool/color';
import { denoiseVideo } from '../workers/tool/denoise';
import { detectScenes } from '../workers/tool/scenes';
import { removeSilence } from '../workers/tool/silence';
import { stabilizeVideo } from '../workers/tool/stabilize';
import { detectSpeech } from '../workers/tool/speech';
import { upscale } from '../workers/tool/upscale';
import type { ToolOutput, ToolRun } from '../workers/tool/tool-job';
import { deadline, machine, printTargets, round, writeResult, type TargetRow } from './lib/common';

const SECONDS = Number(process.env.BENCH_MEDIA_TOOLS_SECONDS ?? 60);
deadline('media-tools', 1_780_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-media-tools-'));
const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

const clip = path.join(dir, 'clip.mp4');
const shot = SECONDS / 4;
ff(
  '-f', 'lavfi', '-i', `testsrc2=size=2112x1188:rate=30:duration=${SECONDS}`,
  '-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000:duration=${SECONDS}`,
  '-f', 'lavfi', '-i', `anoisesrc=color=pink:sample_rate=48000:amplitude=0.004:duration=${SECONDS}`,
  '-filter_complex',
  [
    `[0:v]crop=1920:1080:x='96+40*sin(t*17)+25*sin(t*31)':y='54+30*sin(t*23)+20*sin(t*13)',` +
      // Every `shot` seconds the picture cuts to a plain colour for a second: the scene cuts to find.
      `drawbox=c=navy:t=fill:enable='between(mod(t,${shot}),${shot - 1},${shot})',format=yuv420p[v]`,
    `[1:a]volume='if(lt(mod(t,4),3),1,0)':eval=frame[voice]`,
    `[voice][2:a]amix=inputs=2:normalize=0[a]`
  ].join(';'),
  '-map', '[v]', '-map', '[a]', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23', '-c:a', 'aac', '-b:a', '128k', clip
);

const runners: Record<ToolName, (run: ToolRun<ToolName>) => Promise<ToolOutput>> = {
  cleanup: (r) => cleanupAudio(r as ToolRun<'cleanup'>),
  silence: (r) => removeSilence(r as ToolRun<'silence'>),
  scenes: (r) => detectScenes(r as ToolRun<'scenes'>),
  stabilize: (r) => stabilizeVideo(r as ToolRun<'stabilize'>),
  denoise: (r) => denoiseVideo(r as ToolRun<'denoise'>),
  color: (r) => correctColor(r as ToolRun<'color'>),
  upscale: (r) => upscale(r as ToolRun<'upscale'>),
  captions: (r) => makeCaptions(r as ToolRun<'captions'>),
  speech: (r) => detectSpeech(r as ToolRun<'speech'>)
};
/**
 * Silence removal is timed as the slower request: finding the silence and making the asset without it. Denoise is
 * timed both ways; upscale at 2×, 1080p to 4K, the largest it makes. nlmeans and a 4K encode are many times slower
 * than real time (nlmeans about 1/70 at 1080p here): they get the clip's first SHORT seconds, so the whole bench stays
 * inside its backstop.
 */
const SHORT = Math.min(SECONDS, 3);
const shortClip = path.join(dir, 'short.mp4');
ff('-i', clip, '-t', String(SHORT), '-c', 'copy', shortClip);
const RUNS: { tool: ToolName; label: string; options: Record<string, unknown>; seconds: number }[] = [
  ...TOOLS.filter((t) => t !== 'denoise' && t !== 'upscale' && t !== 'cleanup').map((tool) => ({ tool, label: tool, options: tool === 'silence' ? { remove: true } : {}, seconds: SECONDS })),
  { tool: 'cleanup', label: 'cleanup with RNNoise', options: { rnnoise: true }, seconds: SECONDS },
  { tool: 'cleanup', label: 'cleanup without RNNoise', options: { rnnoise: false }, seconds: SECONDS },
  { tool: 'denoise', label: 'denoise fast', options: { method: 'fast' }, seconds: SECONDS },
  { tool: 'denoise', label: 'denoise quality', options: { method: 'quality' }, seconds: SHORT },
  { tool: 'upscale', label: 'upscale 2x', options: { factor: 2 }, seconds: SHORT }
];

const targets: TargetRow[] = [];
const details: Record<string, unknown> = { clipSeconds: SECONDS };
for (const { tool, label, options, seconds } of RUNS) {
  const workDir = path.join(dir, label.replace(' ', '-'));
  fs.mkdirSync(workDir);
  const t0 = performance.now();
  const out = await runners[tool]({
    file: seconds === SECONDS ? clip : shortClip,
    source: { assetId: 'bench', kind: 'video', hasAudio: true, hasVideo: true, duration: seconds, videoCodec: 'h264', audioChannels: 1 },
    options: TOOL_OPTIONS[tool].parse(options),
    workDir,
    signal: new AbortController().signal,
    urls: {},
    progress: () => {}
  });
  const ms = performance.now() - t0;
  const speed = seconds / (ms / 1000);
  targets.push({ metric: `${label}: ${seconds} s 1080p30 H.264/AAC`, target: '(none set)', measured: `${round(speed, 2)}× real time (${round(ms / 1000, 1)} s)`, met: null });
  details[label] = {
    wallMs: round(ms),
    realTimeFactor: round(speed, 3),
    made: out.made?.meta ?? null,
    findings: { scenes: out.findings.scenes?.length, cuts: out.findings.cuts?.length, cues: out.findings.cues?.length, speech: out.findings.speech?.length }
  };
  fs.rmSync(workDir, { recursive: true, force: true });
}

// ESRGAN on a still: one 1080p frame of the clip, 2× to 3840×2160, as tool.upscale runs it on an image asset.
const still = path.join(dir, 'still.png');
ff('-ss', String(Math.min(1, SECONDS / 2)), '-i', clip, '-frames:v', '1', still);
const stillDir = path.join(dir, 'still');
fs.mkdirSync(stillDir);
const e0 = performance.now();
const upscaled = await upscale({
  file: still,
  source: { assetId: 'bench', kind: 'image', hasAudio: false, hasVideo: false, duration: null, videoCodec: null, audioChannels: null },
  options: TOOL_OPTIONS.upscale.parse({ factor: 2 }),
  workDir: stillDir,
  signal: new AbortController().signal,
  urls: {},
  progress: () => {}
});
const esrganMs = performance.now() - e0;
const megapixels = (1920 * 1080) / 1e6;
targets.push({
  metric: 'upscale 2x, ESRGAN (slim) on a 1080p still',
  target: '(none set)',
  measured: `${round(esrganMs / 1000, 1)} s a still (${round(megapixels / (esrganMs / 1000), 3)} input megapixels/s; a 30 fps video would run at ${round(1 / 30 / (esrganMs / 1000), 5)}× real time)`,
  met: null
});
details['upscale 2x esrgan still'] = { wallMs: round(esrganMs), made: upscaled.made?.meta ?? null };
fs.rmSync(dir, { recursive: true, force: true });

printTargets(targets);
console.log(JSON.stringify(details));
const file = writeResult({
  name: 'media-tools',
  title: `media tools' speed on a ${SECONDS} s 1080p30 clip`,
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: 'one H.264/AAC 1080p30 clip (jittering testsrc2 crop, 3 cuts to colour, a pausing tone in pink noise); each tool function with its default options (silence with remove: true; cleanup with and without RNNoise; denoise fast and quality; upscale 2× to 4K by Lanczos + sharpening; speech by Silero VAD) in this process, and ESRGAN 2× on one 1080p still from the clip, 2 cores',
  targets,
  details
});
console.log(`  results: ${file}`);
