/** Captions as the captions tool, the API and the library know them: cues, and the WebVTT and SRT files made from them. */

export const CAPTION_ENGINES = ['builtin', 'openai'] as const;
export type CaptionEngine = (typeof CAPTION_ENGINES)[number];

export const CAPTION_ENGINE_LABELS: Record<CaptionEngine, string> = {
  builtin: 'built-in speech recognition (pocketsphinx, English, modest accuracy)',
  openai: 'the project’s OpenAI-compatible transcription service (/v1/audio/transcriptions)'
};

/** The variants the captions tool stores with the asset it captioned. */
export const CAPTION_VARIANTS = { vtt: { name: 'captions.vtt', mime: 'text/vtt' }, srt: { name: 'captions.srt', mime: 'application/x-subrip' } } as const;
export const CAPTION_VARIANT_NAMES: string[] = [CAPTION_VARIANTS.vtt.name, CAPTION_VARIANTS.srt.name];

/** One caption on screen: seconds of the asset, and what was said. */
export interface CaptionCue {
  start: number;
  end: number;
  text: string;
}

/** A stretch of recognised speech, as an engine reports it. */
export type Utterance = CaptionCue;

/** Subtitle guidance (BBC, Netflix): two lines of about 42 characters, so a cue holds at most this much text. */
const MAX_CUE_CHARS = 84;
const LINE_CHARS = 42;

/**
 * Cues from utterances: a long utterance is split at word boundaries into cues of at most two lines, its time shared
 * by their length in characters (the engines time utterances, not words).
 */
export function cuesFromUtterances(utterances: Utterance[]): CaptionCue[] {
  const cues: CaptionCue[] = [];
  for (const u of utterances) {
    const words = u.text.split(/\s+/).filter(Boolean);
    if (!words.length || !(u.end > u.start)) continue;
    const pieces: string[] = [];
    for (const w of words) {
      const last = pieces.at(-1);
      if (last !== undefined && last.length + 1 + w.length <= MAX_CUE_CHARS) pieces[pieces.length - 1] = `${last} ${w}`;
      else pieces.push(w);
    }
    const total = pieces.reduce((n, p) => n + p.length, 0);
    let at = u.start;
    pieces.forEach((p, i) => {
      const end = i === pieces.length - 1 ? u.end : at + ((u.end - u.start) * p.length) / total;
      cues.push({ start: round(at), end: round(end), text: twoLines(p) });
      at = end;
    });
  }
  return cues;
}

const round = (s: number) => Math.round(s * 1000) / 1000;

/** How far (seconds) an utterance's edge moves to meet the edge of the speech detection heard. */
export const SPEECH_SNAP_SECONDS = 0.5;

/**
 * Utterances with each start moved to the nearest start of detected speech, and each end to the nearest end, when one
 * lies within SPEECH_SNAP_SECONDS; never past the utterance before or after, and never inside out. Answers how many edges moved.
 */
export function alignToSpeech(utterances: Utterance[], speech: readonly { start: number; end: number }[]): { utterances: Utterance[]; moved: number } {
  let moved = 0;
  const nearest = (t: number, edges: number[]) => edges.reduce<number | null>((best, e) => (Math.abs(e - t) <= SPEECH_SNAP_SECONDS && (best === null || Math.abs(e - t) < Math.abs(best - t)) ? e : best), null);
  const starts = speech.map((r) => r.start);
  const ends = speech.map((r) => r.end);
  const out = utterances.map((u) => ({ ...u }));
  out.forEach((u, i) => {
    const floor = i > 0 ? out[i - 1]!.end : 0;
    const ceiling = utterances[i + 1]?.start ?? Infinity;
    const start = nearest(u.start, starts);
    const end = nearest(u.end, ends);
    const s = start !== null && start >= floor ? start : u.start;
    const e = end !== null && end <= ceiling ? end : u.end;
    if (e <= s) return;
    if (s !== u.start) moved++;
    if (e !== u.end) moved++;
    u.start = round(s);
    u.end = round(e);
  });
  return { utterances: out, moved };
}

/** Breaks a cue's text into two lines at the space nearest its middle when it is longer than one line. */
function twoLines(text: string): string {
  if (text.length <= LINE_CHARS) return text;
  const mid = text.length / 2;
  let best = -1;
  for (let i = text.indexOf(' '); i !== -1; i = text.indexOf(' ', i + 1)) if (best === -1 || Math.abs(i - mid) < Math.abs(best - mid)) best = i;
  return best === -1 ? text : `${text.slice(0, best)}\n${text.slice(best + 1)}`;
}

/** hh:mm:ss followed by `sep` and milliseconds (WebVTT uses ".", SRT ","). */
function timestamp(seconds: number, sep: '.' | ','): string {
  const ms = Math.round(Math.max(0, seconds) * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`;
}

/** WebVTT forbids "-->" in cue text and treats "<" and "&" as markup. */
const vttText = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function toWebVtt(cues: CaptionCue[]): string {
  return ['WEBVTT', '', ...cues.map((c, i) => `${i + 1}\n${timestamp(c.start, '.')} --> ${timestamp(c.end, '.')}\n${vttText(c.text)}\n`)].join('\n');
}

export function toSrt(cues: CaptionCue[]): string {
  return cues.map((c, i) => `${i + 1}\n${timestamp(c.start, ',')} --> ${timestamp(c.end, ',')}\n${c.text.replace(/-->/g, '->')}\n`).join('\n');
}
