import { z } from 'zod';
import type { RecordKind } from '../record-map';
import { idSchema, newTimelineId, type TrackId } from './ids';
import type { Ducking, DuckingMode, TrackKind, TrackSnapshot } from './snapshot';

export const TRACK_KINDS = ['video', 'audio', 'title'] as const satisfies readonly TrackKind[];
export const MAX_DUCKING_DB = 60;
export const DUCKING_MODES = ['level', 'speech'] as const satisfies readonly DuckingMode[];
/** A new ducking's settings (attack and release in seconds). */
export const DUCKING_DEFAULTS = { amountDb: 12, mode: 'level', attack: 0.05, release: 0.4 } as const satisfies Omit<Ducking, 'byTrackId'>;
/** What a ducking written before mode, attack and release existed reads as: level ducking with the compressor timing it had. */
const DUCKING_BEFORE_MODES = { mode: 'level', attack: 0.02, release: 0.4 } as const satisfies Omit<Ducking, 'byTrackId' | 'amountDb'>;
export const DUCKING_ATTACK_RANGE = { min: 0.005, max: 2 } as const;
export const DUCKING_RELEASE_RANGE = { min: 0.01, max: 5 } as const;

export interface Track extends Omit<TrackSnapshot, 'id' | 'ducking'> {
  id: TrackId;
  ducking: (Ducking & { byTrackId: TrackId }) | null;
}

export const trackSchema: z.ZodType<Track> = z
  .object({
    id: idSchema<TrackId>('track'),
    kind: z.enum(TRACK_KINDS),
    name: z.string().trim().min(1, 'A track needs a name.').max(80, 'A track name has at most 80 characters.'),
    order: z.string().min(1).max(200),
    muted: z.boolean(),
    solo: z.boolean(),
    locked: z.boolean(),
    hidden: z.boolean(),
    ducking: z
      .object({
        byTrackId: idSchema<TrackId>('track'),
        amountDb: z.number().gt(0, 'Ducking lowers by more than 0 dB.').max(MAX_DUCKING_DB, `Ducking lowers by at most ${MAX_DUCKING_DB} dB.`),
        mode: z.enum(DUCKING_MODES).default(DUCKING_BEFORE_MODES.mode),
        attack: z.number().min(DUCKING_ATTACK_RANGE.min).max(DUCKING_ATTACK_RANGE.max).default(DUCKING_BEFORE_MODES.attack),
        release: z.number().min(DUCKING_RELEASE_RANGE.min).max(DUCKING_RELEASE_RANGE.max).default(DUCKING_BEFORE_MODES.release)
      })
      .nullable()
  })
  .superRefine((t, ctx) => {
    // A track's kind never changes after creation, so these rules cannot be broken by a concurrent merge.
    if (t.ducking && t.kind !== 'audio') ctx.addIssue({ code: 'custom', message: 'Only audio tracks duck.', path: ['ducking'] });
    if (t.ducking?.byTrackId === t.id) ctx.addIssue({ code: 'custom', message: 'A track cannot duck under itself.', path: ['ducking'] });
  });

export const trackKind: RecordKind<Track> = { collection: 'timelineTracks', schema: trackSchema };

const KIND_PREFIX: Record<TrackKind, string> = { video: 'V', audio: 'A', title: 'T' };

/** The next free default name for a kind: V1, V2 … A1 … T1, as editors label tracks. */
export function defaultTrackName(kind: TrackKind, existing: readonly Pick<TrackSnapshot, 'name'>[]): string {
  const taken = new Set(existing.map((t) => t.name));
  for (let n = 1; ; n++) if (!taken.has(`${KIND_PREFIX[kind]}${n}`)) return `${KIND_PREFIX[kind]}${n}`;
}

export function newTrack(input: { kind: TrackKind; name: string; order: string; id?: string }): TrackSnapshot {
  return { id: input.id ?? newTimelineId<TrackId>(), kind: input.kind, name: input.name, order: input.order, muted: false, solo: false, locked: false, hidden: false, ducking: null };
}

/** Which clips a track of this kind holds: title tracks hold titles, the others hold assets. */
export function trackAccepts(kind: TrackKind, clip: { assetId: string | null }): boolean {
  return kind === 'title' ? clip.assetId === null : clip.assetId !== null;
}
