import { spawn, type ChildProcess } from 'node:child_process';
import { TAKEOVER_APP } from '$lib/takeover';

/**
 * One Web DJ session: the browser's MediaRecorder WebM/Opus chunks piped through ffmpeg into the local RTMP ingest
 * under a short-lived internal key, so the Web DJ is just another publisher to nginx-rtmp and the live job.
 */
export class WebDjBridge {
  private readonly proc: ChildProcess;
  private stderr = '';
  private stopping = false;
  readonly ended: Promise<{ error: string | null }>;

  constructor(port: number, streamName: string) {
    this.proc = spawn(
      'ffmpeg',
      [
        '-nostdin', '-hide_banner', '-loglevel', 'error',
        // Small probe: the first chunk holds the WebM header, and a live microphone must not wait for seconds of it.
        '-fflags', 'nobuffer', '-probesize', '32768', '-analyzeduration', '500000',
        // WebM only (MediaRecorder's container): anything else is refused at once rather than guessed at.
        '-f', 'matroska', '-i', 'pipe:0',
        '-vn', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2',
        '-f', 'flv', '-flvflags', 'no_duration_filesize', `rtmp://127.0.0.1:${port}/${TAKEOVER_APP}/${streamName}`
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] }
    );
    this.proc.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-2000)));
    // A write after ffmpeg died is reported through `ended`, not thrown.
    this.proc.stdin!.on('error', () => undefined);
    this.ended = new Promise((resolve) => {
      this.proc.on('error', (e) => resolve({ error: e.message }));
      this.proc.on('close', (code) => resolve({ error: code && !this.stopping ? this.stderr.trim() || `ffmpeg exited with ${code}` : null }));
    });
  }

  write(chunk: Buffer): void {
    if (!this.stopping && this.proc.stdin!.writable) this.proc.stdin!.write(chunk);
  }

  /** Ends the input (ffmpeg flushes and closes the publish); killed if it lingers. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await this.ended;
    clearTimeout(t);
  }
}
