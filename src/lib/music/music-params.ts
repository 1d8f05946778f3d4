/**
 * The procedural generator's parameters: what a prompt such as "lofi chill, 78 bpm, A minor, rhodes, vinyl" sets,
 * parsed by keywords (no model reads it), or given explicitly. Pure: no DOM, no I/O.
 */
import { z } from 'zod';

export const MUSIC_INSTRUMENTS = ['rhodes', 'piano', 'pad', 'bass', 'drums', 'tabla', 'sitar', 'flute', 'guitar'] as const;
export type MusicInstrument = (typeof MUSIC_INSTRUMENTS)[number];

/** Modes as semitone steps from the tonic; the raga names map to the nearest church mode (thaat). */
export const MUSIC_MODES = { major: [0, 2, 4, 5, 7, 9, 11], minor: [0, 2, 3, 5, 7, 8, 10], dorian: [0, 2, 3, 5, 7, 9, 10], lydian: [0, 2, 4, 6, 7, 9, 11], phrygian: [0, 1, 3, 5, 7, 8, 10], mixolydian: [0, 2, 4, 5, 7, 9, 10] } as const;
export type MusicMode = keyof typeof MUSIC_MODES;

export const NOTE_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;
export const MIN_BPM = 60;
export const MAX_BPM = 95;

export const musicParamsSchema = z
  .object({
    bpm: z.number({ error: 'bpm must be a number' }).min(MIN_BPM, `bpm is ${MIN_BPM} or more`).max(MAX_BPM, `bpm is ${MAX_BPM} or less`),
    /** Tonic as a pitch class, 0 = C. */
    key: z.number().int().min(0).max(11),
    mode: z.enum(Object.keys(MUSIC_MODES) as [MusicMode, ...MusicMode[]]),
    /** 0 dark and muffled … 1 open and bright: the master low-pass and the keys' attack. */
    brightness: z.number().min(0).max(1),
    /** 0.5 straight eighths … 0.68 heavy swing. */
    swing: z.number().min(0.5).max(0.7),
    instruments: z.array(z.enum(MUSIC_INSTRUMENTS)).min(1).max(MUSIC_INSTRUMENTS.length),
    /** Vinyl crackle and hiss level, 0 (none) … 1. */
    vinyl: z.number().min(0).max(1)
  })
  .strict();
export type MusicParams = z.infer<typeof musicParamsSchema>;

export const DEFAULT_MUSIC_PARAMS: MusicParams = { bpm: 78, key: 9, mode: 'minor', brightness: 0.45, swing: 0.58, instruments: ['rhodes', 'bass', 'drums'], vinyl: 0.4 };

const WORDS: Array<[RegExp, MusicInstrument]> = [
  [/\b(rhodes|e-?piano|electric piano|wurli\w*|keys)\b/, 'rhodes'],
  [/\bpiano\b(?<!electric piano)/, 'piano'],
  [/\b(pad|pads|strings|synth|ambient|dreamy|atmospher\w*)\b/, 'pad'],
  [/\b(bass|bassline)\b/, 'bass'],
  [/\b(drums?|beats?|boom ?bap|hip ?hop)\b/, 'drums'],
  [/\b(tabla|dholak|percussion)\b/, 'tabla'],
  [/\b(sitar|veena|santoor|sarod)\b/, 'sitar'],
  [/\b(flute|bansuri|shehnai)\b/, 'flute'],
  [/\b(guitar|acoustic)\b/, 'guitar']
];

const MOODS: Array<[RegExp, Partial<MusicParams>]> = [
  [/\b(sad|melanchol\w*|rain\w*|lonely|night|midnight|late)\b/, { mode: 'minor', brightness: 0.3 }],
  [/\b(happy|sunny|bright|morning|uplifting|summer)\b/, { mode: 'major', brightness: 0.7 }],
  [/\b(chill|relax\w*|calm|study|sleep\w*|mellow)\b/, { brightness: 0.4 }],
  [/\b(jazz\w*|jazzy)\b/, { mode: 'dorian', swing: 0.64 }],
  [/\b(dark|moody)\b/, { mode: 'phrygian', brightness: 0.25 }]
];

/** Raga names as the seed's Indian lofi prompts use them, by their thaat's mode. */
const RAGAS: Array<[RegExp, MusicMode]> = [
  [/\b(yaman|kalyan)\b/, 'lydian'],
  [/\b(bhairavi|todi)\b/, 'phrygian'],
  [/\b(kafi|bageshree|bhimpalasi)\b/, 'dorian'],
  [/\b(khamaj|desh)\b/, 'mixolydian'],
  [/\b(bilawal|durga)\b/, 'major'],
  [/\b(asavari|darbari|malkauns)\b/, 'minor']
];

/** A prompt's parameters: anything it does not name comes from `base` (a mood word may set several). */
export function parseMusicPrompt(prompt: string, base: MusicParams = DEFAULT_MUSIC_PARAMS): MusicParams {
  const p = prompt.toLowerCase();
  const out: MusicParams = { ...base, instruments: [...base.instruments] };
  for (const [re, set] of MOODS) if (re.test(p)) Object.assign(out, set);
  for (const [re, mode] of RAGAS) if (re.test(p)) out.mode = mode;
  const bpm = /(\d{2,3})\s*bpm\b/.exec(p);
  if (bpm) out.bpm = Math.min(MAX_BPM, Math.max(MIN_BPM, Number(bpm[1])));
  else if (/\b(slow|sleep\w*)\b/.test(p)) out.bpm = 66;
  else if (/\b(upbeat|groov\w*|fast)\b/.test(p)) out.bpm = 90;
  const key = /\b([a-g])\s*(#|sharp|b|flat)?\s*(major|minor|maj|min|dorian|lydian|phrygian|mixolydian)\b/.exec(p);
  if (key) {
    const natural = NOTE_NAMES.indexOf(key[1].toUpperCase() as (typeof NOTE_NAMES)[number]);
    const accidental = key[2] === '#' || key[2] === 'sharp' ? 1 : key[2] === 'b' || key[2] === 'flat' ? -1 : 0;
    out.key = (natural + accidental + 12) % 12;
    const m = key[3];
    out.mode = m === 'maj' ? 'major' : m === 'min' ? 'minor' : (m as MusicMode);
  }
  const named = WORDS.filter(([re]) => re.test(p)).map(([, i]) => i);
  if (named.length) {
    // A named lead keeps a rhythm section unless the prompt asks for it alone ("solo", "no drums").
    const set = new Set<MusicInstrument>(named);
    if (!/\bsolo\b/.test(p)) {
      if (!set.has('tabla') && !/\bno drums\b/.test(p)) set.add('drums');
      set.add('bass');
    }
    out.instruments = MUSIC_INSTRUMENTS.filter((i) => set.has(i));
  }
  if (/\bno drums\b/.test(p)) out.instruments = out.instruments.filter((i) => i !== 'drums');
  if (/\b(vinyl|crackle|record|dusty|tape)\b/.test(p)) out.vinyl = Math.max(out.vinyl, 0.6);
  if (/\b(clean|no vinyl|crisp)\b/.test(p)) out.vinyl = 0;
  const swing = /\bswing\b/.test(p);
  if (swing) out.swing = Math.max(out.swing, 0.62);
  if (/\bstraight\b/.test(p)) out.swing = 0.5;
  return musicParamsSchema.parse(out);
}

/** One line for the dashboard: what the generator will play for a prompt. */
export function describeMusicParams(m: MusicParams): string {
  return `${m.bpm} bpm, ${NOTE_NAMES[m.key]} ${m.mode}, ${m.instruments.join(' + ')}${m.vinyl > 0 ? ', vinyl' : ''}`;
}
