/** `tool.scenes`: ffmpeg's scdet marks where a new shot starts, with its score; the picture is scaled down first (cheaper, same cuts). */
import { devNull } from 'node:os';
import ffmpeg from 'fluent-ffmpeg';
import { runFfmpeg } from '../media/run-ffmpeg';
import { WHOLE_LOG } from './tool-output';
import { pass, toolJob, type ToolRun } from './tool-job';

export async function detectScenes(run: ToolRun<'scenes'>) {
  const command = ffmpeg(run.file, WHOLE_LOG)
    .inputOptions(['-hide_banner'])
    .outputOptions(['-map', '0:V:0', '-vf', `scale=w='min(640,iw)':h=-2,scdet=threshold=${run.options.threshold}`])
    .noAudio()
    .format('null')
    .output(devNull);
  return { findings: { scenes: parseScenes(await runFfmpeg(command, pass(run, 0, 1, 'Detecting scenes'))) } };
}

/** scdet logs "lavfi.scd.score: 27.452, lavfi.scd.time: 2" for each cut. */
export function parseScenes(stderr: string): { time: number; score: number }[] {
  return [...stderr.matchAll(/lavfi\.scd\.score: ([\d.]+), lavfi\.scd\.time: ([\d.]+)/g)].map((m) => ({
    time: Math.round(Number(m[2]) * 1000) / 1000,
    score: Math.round(Number(m[1]) * 10) / 10
  }));
}

export const toolScenesJob = toolJob('scenes', detectScenes);
