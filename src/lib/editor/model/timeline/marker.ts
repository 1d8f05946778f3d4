import { z } from 'zod';
import type { RecordKind } from '../record-map';
import { idSchema, newTimelineId, type MarkerId } from './ids';
import type { MarkerSnapshot } from './snapshot';

export const DEFAULT_MARKER_COLOR = '#f59e0b';

export interface Marker extends Omit<MarkerSnapshot, 'id'> {
  id: MarkerId;
}

export const markerSchema: z.ZodType<Marker> = z.object({
  id: idSchema<MarkerId>('marker'),
  time: z.number().finite().min(0, 'A marker cannot be before 0.'),
  label: z.string().max(200, 'A marker label has at most 200 characters.'),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'A marker colour is #rrggbb.')
});

export const markerKind: RecordKind<Marker> = { collection: 'timelineMarkers', schema: markerSchema };

export function newMarker(input: { time: number; label?: string; color?: string; id?: string }): MarkerSnapshot {
  return { id: input.id ?? newTimelineId<MarkerId>(), time: input.time, label: input.label ?? '', color: input.color ?? DEFAULT_MARKER_COLOR };
}
