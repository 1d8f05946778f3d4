import { z } from 'zod';
import type { RecordKind } from '../record-map';
import { idSchema } from '../timeline/ids';
import { newBriefId } from './ids';

/**
 * A design-kit cut-out placed on a brief photo's staging board. Geometry is in fractions of the room photo, so the
 * board (any zoom) and the server render (full resolution) agree.
 */
export interface StagingPlacement {
  id: string;
  /** The brief photo it stands on. */
  photoId: string;
  /** The design-kit cut-out (a kit image with transparency). */
  cutoutId: string;
  /** Stacking: later keys are drawn on top. */
  order: string;
  /** Centre, 0–1 of the photo's width and height. */
  x: number;
  y: number;
  /** Width as a fraction of the photo's width; the height follows the cut-out's aspect. */
  width: number;
  /** Clockwise degrees, −180…180. */
  rotation: number;
  /** Mirrored left to right. */
  flip: boolean;
  shadow: PlacementShadow;
  perspective: PlacementCorners;
}

/** A drop shadow under the cut-out; opacity 0 means none. Offsets and blur are fractions of the photo's width. */
export interface PlacementShadow {
  opacity: number;
  blur: number;
  offsetX: number;
  offsetY: number;
}

export interface Offset {
  x: number;
  y: number;
}

/** Each corner's offset from the unwarped box, as fractions of the placement's own width and height. */
export interface PlacementCorners {
  topLeft: Offset;
  topRight: Offset;
  bottomRight: Offset;
  bottomLeft: Offset;
}

export const CORNERS = ['topLeft', 'topRight', 'bottomRight', 'bottomLeft'] as const;
export const MIN_WIDTH = 0.02;
export const MAX_WIDTH = 2;
export const MAX_CORNER_OFFSET = 0.5;

export const NO_SHADOW: PlacementShadow = { opacity: 0, blur: 0.01, offsetX: 0.005, offsetY: 0.01 };
export const DEFAULT_SHADOW: PlacementShadow = { opacity: 0.45, blur: 0.01, offsetX: 0.005, offsetY: 0.01 };
export const FLAT: PlacementCorners = { topLeft: { x: 0, y: 0 }, topRight: { x: 0, y: 0 }, bottomRight: { x: 0, y: 0 }, bottomLeft: { x: 0, y: 0 } };

const range = (what: string, min: number, max: number) => z.number({ message: `${what} is a number.` }).min(min, `${what} is ${min} to ${max}.`).max(max, `${what} is ${min} to ${max}.`);
const offset = z.object({ x: range('A corner offset', -MAX_CORNER_OFFSET, MAX_CORNER_OFFSET), y: range('A corner offset', -MAX_CORNER_OFFSET, MAX_CORNER_OFFSET) });

export const shadowSchema: z.ZodType<PlacementShadow> = z.object({
  opacity: range('Shadow opacity', 0, 1),
  blur: range('Shadow blur', 0, 0.1),
  offsetX: range('A shadow offset', -0.2, 0.2),
  offsetY: range('A shadow offset', -0.2, 0.2)
});

export const cornersSchema: z.ZodType<PlacementCorners> = z.object({ topLeft: offset, topRight: offset, bottomRight: offset, bottomLeft: offset });

export const placementSchema: z.ZodType<StagingPlacement> = z.object({
  id: idSchema<string>('placement'),
  photoId: z.string().min(1).max(64),
  cutoutId: z.string().min(1).max(64),
  order: z.string().min(1).max(200),
  // The centre may leave the photo a little (a sofa cut by the frame's edge), not far.
  x: range('A position', -0.5, 1.5),
  y: range('A position', -0.5, 1.5),
  width: range('The width', MIN_WIDTH, MAX_WIDTH),
  rotation: range('The rotation', -180, 180),
  flip: z.boolean().default(false),
  shadow: shadowSchema.default(NO_SHADOW),
  perspective: cornersSchema.default(FLAT)
}) as unknown as z.ZodType<StagingPlacement>;

/**
 * Shadow fields are their own Y.Map keys (one person sets the blur while another sets the opacity: both stay); the
 * four corners are written whole, since a perspective is one shape.
 */
export const placementKind: RecordKind<StagingPlacement> = { collection: 'stagingPlacements', schema: placementSchema, nested: ['shadow'] };

export function newPlacement(input: { photoId: string; cutoutId: string; order: string; id?: string; x?: number; y?: number; width?: number }): StagingPlacement {
  return {
    id: input.id ?? newBriefId<string>(),
    photoId: input.photoId,
    cutoutId: input.cutoutId,
    order: input.order,
    x: input.x ?? 0.5,
    y: input.y ?? 0.6,
    width: input.width ?? 0.3,
    rotation: 0,
    flip: false,
    shadow: { ...DEFAULT_SHADOW },
    perspective: structuredClone(FLAT)
  };
}

/** Angles kept in −180…180, so a spin past the half turn stays valid. */
export function normalizeAngle(deg: number): number {
  const a = ((((deg + 180) % 360) + 360) % 360) - 180;
  return Object.is(a, -0) ? 0 : a;
}
