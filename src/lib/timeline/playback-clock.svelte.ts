/**
 * The timeline's transport clock: while running it moves the playhead by wall-clock time × `rate` (negative plays
 * backwards), one step per animation frame. J/K/L shuttle as in Premiere and Avid: L forward, J backward, each
 * press again doubles the speed up to `MAX_SHUTTLE_RATE`, K stops.
 */

export const MAX_SHUTTLE_RATE = 8;

/** The rate after pressing J (-1) or L (+1): 1× that way from a stop or the other direction, else twice as fast. */
export function shuttleRate(current: number, running: boolean, direction: 1 | -1): number {
  if (!running || Math.sign(current) !== direction) return direction;
  return direction * Math.min(MAX_SHUTTLE_RATE, Math.abs(current) * 2);
}

export class PlaybackClock {
  running = $state(false);
  /** Seconds of timeline per second of wall clock; 1 when stopped. */
  rate = $state(1);
  #frame: number | undefined;

  /** `step(seconds)` moves the playhead by that much (negative: back) and returns false to stop (an end reached). */
  constructor(private readonly step: (seconds: number) => boolean) {}

  start(rate: number): void {
    this.rate = rate;
    if (this.running) return;
    this.running = true;
    let last = performance.now();
    const tick = (now: number) => {
      if (!this.running) return;
      const dt = Math.max(0, now - last) / 1000;
      last = now;
      if (!this.step(dt * this.rate)) return this.stop();
      this.#frame = requestAnimationFrame(tick);
    };
    this.#frame = requestAnimationFrame(tick);
  }

  stop(): void {
    this.running = false;
    this.rate = 1;
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
  }
}
