import { z } from 'zod';
import { newId, type Brand } from '../ids';

/** Branded timeline ids: a ClipId cannot be passed where a TrackId is expected. Snapshots carry them as plain strings. */
export type TrackId = Brand<string, 'TrackId'>;
export type ClipId = Brand<string, 'ClipId'>;
export type TransitionId = Brand<string, 'TransitionId'>;
export type MarkerId = Brand<string, 'MarkerId'>;

/** Ids are also Y.Map keys and may end up in ffmpeg filter labels, so they stay short and plain. */
const ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

/** Validating an id is what brands it: records read from the document come out of the schema typed. */
export function idSchema<T extends string>(what: string) {
  return z.custom<T>((v) => typeof v === 'string' && ID_SHAPE.test(v), { message: `Not a valid ${what} id.` });
}

export const newTimelineId = <T extends string>(): T => newId<T>();
