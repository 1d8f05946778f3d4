/** Runs one fluent-ffmpeg command as a promise that honours an AbortSignal and reports time-based progress. */
import type { FfmpegCommand } from 'fluent-ffmpeg';
import { abortError } from './abort';

export interface RunFfmpegOptions {
  signal?: AbortSignal;
  /** Seconds of media the command will read; progress is timemark / duration. */
  duration?: number | null;
  onProgress?: (fraction: number) => void;
}

/** Resolves with ffmpeg's stderr tail (fluent-ffmpeg keeps the last 100 lines), which is where filters print their reports. */
export function runFfmpeg(command: FfmpegCommand, { signal, duration, onProgress }: RunFfmpegOptions = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    let started = false;
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      // Before 'start' there is no child yet; the 'start' handler kills it as soon as it exists.
      if (started) command.kill('SIGKILL');
    };
    const settle = () => signal?.removeEventListener('abort', onAbort);

    command.on('start', () => {
      started = true;
      if (aborted) command.kill('SIGKILL');
    });
    if (onProgress && duration && duration > 0) {
      command.on('progress', (p: { timemark?: string }) => {
        const seconds = timemarkSeconds(p.timemark);
        if (seconds !== null) onProgress(Math.min(1, Math.max(0, seconds / duration)));
      });
    }
    // 'error' comes only after the child has exited, so an abort rejection means no ffmpeg is left running.
    command.on('error', (err: Error) => {
      settle();
      reject(aborted ? abortError(signal) : err);
    });
    command.on('end', (_stdout: string | null, stderr: string | null) => {
      settle();
      if (aborted) reject(abortError(signal));
      else resolve(stderr ?? '');
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    command.run();
  });
}

/** ffmpeg prints "HH:MM:SS.cc", sometimes negative at the start or "N/A" when it cannot tell. */
export function timemarkSeconds(timemark: string | undefined): number | null {
  const m = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(timemark?.trim() ?? '');
  if (!m) return null;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? 0 : seconds;
}
