import { z } from 'zod';
import type { RecordKind } from '../record-map';
import { idSchema, newTimelineId, type ClipId, type TransitionId } from './ids';
import { clipDuration, type ClipSnapshot, type TransitionKind, type TransitionSnapshot } from './snapshot';

export const TRANSITION_KINDS = ['fade', 'fadeblack', 'wipeleft', 'wiperight', 'slideleft', 'slideright', 'dissolve'] as const satisfies readonly TransitionKind[];
/** Shorter than this a transition is a flash, not a transition. */
export const MIN_TRANSITION_DURATION = 0.1;
export const MAX_TRANSITION_DURATION = 10;
export const DEFAULT_TRANSITION_DURATION = 1;

export interface Transition extends Omit<TransitionSnapshot, 'id' | 'fromClipId' | 'toClipId'> {
  id: TransitionId;
  fromClipId: ClipId;
  toClipId: ClipId;
}

export const transitionSchema: z.ZodType<Transition> = z
  .object({
    id: idSchema<TransitionId>('transition'),
    fromClipId: idSchema<ClipId>('clip'),
    toClipId: idSchema<ClipId>('clip'),
    kind: z.enum(TRANSITION_KINDS),
    duration: z
      .number()
      .min(MIN_TRANSITION_DURATION, `A transition lasts at least ${MIN_TRANSITION_DURATION} s.`)
      .max(MAX_TRANSITION_DURATION, `A transition lasts at most ${MAX_TRANSITION_DURATION} s.`)
  })
  .refine((t) => t.fromClipId !== t.toClipId, { message: 'A transition joins two different clips.', path: ['toClipId'] });

export const transitionKind: RecordKind<Transition> = { collection: 'timelineTransitions', schema: transitionSchema };

export function newTransition(input: { fromClipId: string; toClipId: string; kind?: TransitionKind; duration?: number; id?: string }): TransitionSnapshot {
  return {
    id: input.id ?? newTimelineId<TransitionId>(),
    fromClipId: input.fromClipId,
    toClipId: input.toClipId,
    kind: input.kind ?? 'fade',
    duration: input.duration ?? DEFAULT_TRANSITION_DURATION
  };
}

/**
 * The longest transition the cut between `from` and `to` allows, in timeline seconds. A centred transition needs
 * duration / 2 of media past `from`'s out point and before `to`'s in point, and takes at most half of each clip
 * (so a clip's two transitions never meet). A source of unknown duration is trusted for its out handle; titles are
 * generated, so they have handles of any length.
 */
export function transitionLimit(
  from: ClipSnapshot,
  to: ClipSnapshot,
  assetDurations: Readonly<Record<string, number>> | undefined
): number {
  const sourceLength = from.assetId === null ? undefined : assetDurations?.[from.assetId];
  const outHandle = from.assetId === null || sourceLength === undefined ? Infinity : (sourceLength - from.out) / from.speed;
  const inHandle = to.assetId === null ? Infinity : to.in / to.speed;
  return Math.max(0, Math.min(2 * outHandle, 2 * inHandle, clipDuration(from), clipDuration(to), MAX_TRANSITION_DURATION));
}
