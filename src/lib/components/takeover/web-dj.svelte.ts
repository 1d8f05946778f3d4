import type { ProjectSocket } from '$lib/realtime/project-socket';

/** MediaRecorder timeslice: small enough for a low latency, large enough for few socket messages. */
const TIMESLICE_MS = 250;
const MIME = 'audio/webm;codecs=opus';

export type WebDjState = 'idle' | 'starting' | 'live' | 'ending';

/**
 * The Web DJ in the browser: the chosen microphone (with a level meter) recorded as WebM/Opus in 250 ms slices and
 * sent over the studio's socket; the server bridges it into the RTMP ingest like any publisher.
 */
export class WebDj {
  devices = $state<{ id: string; label: string }[]>([]);
  deviceId = $state('');
  /** Microphone level, 0…1 (RMS), for the meter. */
  level = $state(0);
  state = $state<WebDjState>('idle');
  error = $state('');
  private stream: MediaStream | null = null;
  private audio: AudioContext | null = null;
  private raf = 0;
  private recorder: MediaRecorder | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly channelId: string,
    private readonly socket: ProjectSocket
  ) {
    socket.on('webdj:ended', (e) => {
      this.stopRecorder();
      this.state = 'idle';
      if (e.error) this.error = e.message;
    });
  }

  /** Asks for the microphone (the chosen one, or the default) and starts the meter. */
  async open(): Promise<boolean> {
    this.error = '';
    this.close();
    if (!navigator.mediaDevices?.getUserMedia) {
      this.error = 'This browser cannot capture a microphone here (it needs HTTPS, or localhost).';
      return false;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: this.deviceId ? { deviceId: { exact: this.deviceId } } : true });
    } catch (e) {
      const name = (e as DOMException).name;
      this.error =
        name === 'NotAllowedError'
          ? 'Microphone permission was denied: allow the microphone for this site (the icon in the address bar), then press Go live again.'
          : name === 'NotFoundError' || name === 'OverconstrainedError'
            ? 'No microphone found: plug one in and pick it above.'
            : `The microphone could not be opened: ${(e as Error).message}`;
      return false;
    }
    const all = await navigator.mediaDevices.enumerateDevices();
    this.devices = all.filter((d) => d.kind === 'audioinput').map((d, i) => ({ id: d.deviceId, label: d.label || `Microphone ${i + 1}` }));
    this.deviceId ||= this.stream.getAudioTracks()[0]?.getSettings().deviceId ?? '';
    this.meter(this.stream);
    return true;
  }

  private meter(stream: MediaStream): void {
    this.audio = new AudioContext();
    const analyser = this.audio.createAnalyser();
    analyser.fftSize = 1024;
    this.audio.createMediaStreamSource(stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    const tick = () => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      this.level = Math.min(1, Math.sqrt(sum / buf.length) * 4);
      this.raf = requestAnimationFrame(tick);
    };
    tick();
  }

  async goLive(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    if (!this.stream && !(await this.open())) {
      this.state = 'idle';
      return;
    }
    if (!MediaRecorder.isTypeSupported(MIME)) {
      this.error = 'This browser cannot record WebM/Opus audio: use a current Chrome, Edge or Firefox.';
      this.state = 'idle';
      return;
    }
    try {
      const r = await this.socket.timeout(10_000).emitWithAck('webdj:start', { channelId: this.channelId });
      if (!r.ok) {
        this.error = r.error.message;
        this.state = 'idle';
        return;
      }
    } catch {
      this.error = 'The server did not answer: check the connection and try again.';
      this.state = 'idle';
      return;
    }
    this.error = '';
    const recorder = new MediaRecorder(this.stream!, { mimeType: MIME, audioBitsPerSecond: 128_000 });
    // In order: each slice's bytes are read asynchronously, and the server's decoder needs them in sequence.
    recorder.ondataavailable = (e) => {
      if (e.data.size === 0) return;
      this.sending = this.sending.then(async () => void this.socket.emit('webdj:chunk', await e.data.arrayBuffer()));
    };
    recorder.start(TIMESLICE_MS);
    this.recorder = recorder;
    this.state = 'live';
  }

  end(): void {
    if (this.state !== 'live') return;
    this.state = 'ending';
    const recorder = this.recorder;
    this.recorder = null;
    const stop = () => void (this.sending = this.sending.then(() => void this.socket.emit('webdj:stop')));
    if (!recorder || recorder.state === 'inactive') return stop();
    // 'stop' fires after the last slice's dataavailable: the server gets all the audio, then the end.
    recorder.onstop = stop;
    recorder.stop();
  }

  private stopRecorder(): void {
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.recorder = null;
  }

  /** A different microphone: reopened (live sessions keep the one they started with until ended). */
  async pick(deviceId: string): Promise<void> {
    this.deviceId = deviceId;
    if (this.state === 'idle') await this.open();
  }

  close(): void {
    cancelAnimationFrame(this.raf);
    void this.audio?.close();
    this.audio = null;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    this.level = 0;
  }

  destroy(): void {
    this.end();
    this.close();
  }
}
