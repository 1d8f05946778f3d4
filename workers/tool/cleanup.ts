/**
 * `tool.cleanup`: RNNoise (neural noise suppression, unless turned off), then ffmpeg's own filters: a high-pass and
 * notches for mains hum, afftdn noise reduction, speechnorm voice levelling, then two-pass loudnorm to the broadcast
 * target. A video keeps its picture and gets the cleaned sound.
 */
import path from 'node:path';
import { devNull } from 'node:os';
import ffmpeg from 'fluent-ffmpeg';
import { LOUDNESS_TARGET, measureLoudness } from '../media/loudness';
import { runFfmpeg } from '../media/run-ffmpeg';
import { AAC, AUDIO_OUT, copiesPicture, made, MP4, WHOLE_LOG, X264 } from './tool-output';
import { suppressNoise } from './rnnoise';
import { pass, toolJob, type ToolRun } from './tool-job';

/** Rumble below speech goes; 80 Hz keeps a low voice's fundamental. */
const HIGHPASS_HZ = 80;
/** A hum band must stand this far above the band between 50 and 60 Hz to count as hum. */
const HUM_MARGIN_DB = 8;
const HUM_HARMONICS = 4;

export async function cleanupAudio(run: ToolRun<'cleanup'>) {
  const { denoise, level, rnnoise } = run.options;
  // Mono stays mono, wider becomes stereo. Set on every pass: loudnorm cannot negotiate a layout without it.
  const channelCount = Math.min(2, Math.max(1, run.source.audioChannels ?? 2));
  const channels = ['-ac', String(channelCount)];
  // RNNoise first: the floor afftdn starts from is then what RNNoise left, not the noise it took out.
  let sound = run.file;
  let neural = null;
  if (rnnoise) {
    sound = path.join(run.workDir, 'rnnoise.flac');
    const message = 'RNNoise (neural noise suppression)';
    run.progress(0, message);
    neural = await suppressNoise(run.file, sound, { channels: channelCount, signal: run.signal, duration: run.source.duration, onProgress: (f) => run.progress(0.3 * f, message) });
  }
  const at = (f: number) => (rnnoise ? 0.3 + 0.7 * f : f);
  const heard = await listen(run, sound, at);
  const hum = run.options.hum === 'auto' ? heard.hum : run.options.hum === 'off' ? null : Number(run.options.hum);
  const chain = [
    `highpass=f=${HIGHPASS_HZ}`,
    ...(hum ? Array.from({ length: HUM_HARMONICS }, (_, i) => `bandreject=f=${hum * (i + 1)}:width_type=q:w=10`) : []),
    // Started at the measured floor: afftdn's own default (-50 dB) leaves louder noise mostly in place while it adapts.
    `afftdn=nr=${denoise}:nf=${heard.noiseFloorDb}:tn=1`,
    ...(level ? ['speechnorm=e=6.25:r=0.00001:l=1'] : [])
  ];
  const denoised = path.join(run.workDir, 'denoised.flac');
  await runFfmpeg(
    ffmpeg(sound).inputOptions(['-hide_banner']).outputOptions(['-map', '0:a:0', '-af', chain.join(','), ...channels, ...AUDIO_OUT.codec]).output(denoised),
    pass(run, at(0.1), at(0.6), 'Reducing noise')
  );
  const measured = await measureLoudness(denoised, pass(run, at(0.6), at(0.75), 'Measuring loudness'));
  const { integratedLufs: I, truePeakDbtp: TP, lra: LRA } = LOUDNESS_TARGET;
  const measuredAll = measured.integratedLufs !== null && measured.truePeakDbtp !== null && measured.lra !== null && measured.threshold !== null;
  // Silence has no loudness to correct (it measures -inf), so it is left as it is.
  const loudnorm = measuredAll
    ? `loudnorm=I=${I}:TP=${TP}:LRA=${LRA}:measured_I=${measured.integratedLufs}:measured_TP=${measured.truePeakDbtp}` +
      `:measured_LRA=${measured.lra}:measured_thresh=${measured.threshold}:offset=${measured.targetOffset ?? 0}:linear=true`
    : null;
  // loudnorm works at 192 kHz; 48 kHz is what video and the editor expect.
  const audioOut = [...(loudnorm ? ['-af', loudnorm] : []), ...channels, '-ar', '48000'];
  const video = run.source.hasVideo;
  const out = path.join(run.workDir, video ? 'cleaned.mp4' : 'cleaned.flac');
  const command = video
    ? ffmpeg(run.file)
        .input(denoised)
        .inputOptions(['-hide_banner'])
        .outputOptions(['-map', '0:V:0', '-map', '1:a:0', ...audioOut, ...(copiesPicture(run.source.videoCodec) ? ['-c:v', 'copy'] : X264), ...AAC, ...MP4])
    : ffmpeg(denoised).inputOptions(['-hide_banner']).outputOptions(['-map', '0:a:0', ...audioOut, ...AUDIO_OUT.codec]);
  await runFfmpeg(command.output(out), pass(run, at(0.75), 1, 'Normalizing loudness'));
  return {
    made: await made(out, video, { tool: 'cleanup', rnnoise: neural ? { speechProbability: Math.round(neural.speechProbability * 100) / 100 } : null, hum, denoise, level, noiseFloorDb: heard.noiseFloorDb, loudness: { input: measured.integratedLufs, target: loudnorm ? I : null } }),
    findings: {}
  };
}

/**
 * One decode that hears what to clean: the noise floor (the quietest 50 ms stretch above the high-pass, which is
 * the noise between words) and mains hum, from narrow bands at 50, 60 and, between them as the reference, 55 Hz.
 * The louder of 50 and 60 is hum when it stands HUM_MARGIN_DB above the reference.
 */
async function listen(run: ToolRun<'cleanup'>, sound: string, at: (f: number) => number): Promise<{ hum: 50 | 60 | null; noiseFloorDb: number }> {
  const band = (f: number) => `bandpass=f=${f}:width_type=q:w=30,astats=metadata=0`;
  const graph = `[0:a:0]asplit=4[a][b][c][d];[a]${band(50)},anullsink;[b]${band(60)},anullsink;[c]${band(55)},anullsink;[d]highpass=f=${HIGHPASS_HZ},astats=metadata=0[all]`;
  const stderr = await runFfmpeg(
    ffmpeg(sound, WHOLE_LOG).inputOptions(['-hide_banner']).outputOptions(['-filter_complex', graph, '-map', '[all]']).format('null').output(devNull),
    pass(run, at(0), at(0.1), 'Listening for noise and hum')
  );
  const [at50, at60, ref] = astatsLevels(stderr, 'RMS level dB');
  const trough = astatsLevels(stderr, 'RMS trough dB')[3];
  // afftdn takes a floor between -80 and -20 dB; digital silence measures -inf.
  const noiseFloorDb = Math.round(Math.min(-20, Math.max(-80, Number.isFinite(trough) ? trough! : -80)) * 10) / 10;
  if (at50 === undefined || at60 === undefined || ref === undefined) return { hum: null, noiseFloorDb };
  const [f, level] = at50 >= at60 ? ([50, at50] as const) : ([60, at60] as const);
  return { hum: level - ref >= HUM_MARGIN_DB ? f : null, noiseFloorDb };
}

/** One overall value (dB) of each astats instance, in filter-graph order. */
export function astatsLevels(stderr: string, key: 'RMS level dB' | 'RMS trough dB'): number[] {
  const last = new Map<number, number>();
  for (const m of stderr.matchAll(new RegExp(`\\[Parsed_astats_(\\d+) @ [^\\]]+\\] ${key}: (-?[\\d.]+|-inf)`, 'g'))) {
    last.set(Number(m[1]), m[2] === '-inf' ? -Infinity : Number(m[2]));
  }
  return [...last.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

export const toolCleanupJob = toolJob('cleanup', cleanupAudio);
