/** Timeline seconds as editors read them: mm:ss:ff (frames at `fps`). */
export function timecode(t: number, fps: number): string {
  const rate = Math.max(1, Math.round(fps));
  const frames = Math.round(Math.max(0, t) * rate);
  const f = frames % rate;
  const s = Math.floor(frames / rate);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 60))}:${pad(s % 60)}:${pad(f)}`;
}
