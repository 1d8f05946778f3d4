/**
 * Design kits as the API, the studio and the staging board know them: a named style with a colour palette, reference
 * images and cut-outs (pictures with transparency), owned by a user and shown in every project that user owns.
 */
import { z } from 'zod';

export const KIT_ITEM_ROLES = ['reference', 'cutout'] as const;
export type KitItemRole = (typeof KIT_ITEM_ROLES)[number];

export const MAX_KIT_NAME = 80;
export const MAX_KIT_DESCRIPTION = 2000;
export const MAX_PALETTE = 12;
/** The largest kit image accepted (a cut-out is a single piece of furniture; a reference a photo). */
export const MAX_KIT_IMAGE_BYTES = 25 * 1024 * 1024;
/** Cut-outs and references have at most this many pixels on a side. */
export const MAX_KIT_IMAGE_SIDE = 8000;

/** What the board and the API say about automatic refinement of a drawn cut-out. */
export const REFINEMENT_UNAVAILABLE =
  'Automatic refinement is not available: no permissively licensed segmentation model is configured on this server, so the cut-out follows the drawn outline (with a feathered edge).';

/** Whether drawn cut-outs are refined by a segmentation model here, in the words the page shows. */
export interface CutoutRefinementJson {
  available: boolean;
  message: string;
}

export const refinementAvailable = (model: string): string =>
  `Automatic refinement: the segmentation model ${model} configured on this server keeps the object inside your outline (draw loosely around it; untick to keep the outline as drawn).`;

export interface KitItemJson {
  id: string;
  kitId: string;
  role: KitItemRole;
  title: string;
  mime: string;
  width: number;
  height: number;
  bytes: number;
  /** The library asset it was taken from, if any (the kit keeps its own copy). */
  sourceAssetId: string | null;
  /** Relative URL of the picture (session access; the render job gets a signed one). */
  url: string;
  createdAt: string;
}

export interface DesignKitJson {
  id: string;
  name: string;
  description: string;
  palette: string[];
  /** The user whose projects share the kit. */
  ownerId: string;
  items: KitItemJson[];
  createdAt: string;
  updatedAt: string;
}

const hex = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'A palette colour is #rrggbb.').transform((c) => c.toLowerCase());

export const kitInput = z.strictObject({
  name: z.string({ error: 'name is a string' }).trim().min(1, 'A kit needs a name.').max(MAX_KIT_NAME, `A kit name has at most ${MAX_KIT_NAME} characters.`),
  description: z.string({ error: 'description is a string' }).max(MAX_KIT_DESCRIPTION, `A description has at most ${MAX_KIT_DESCRIPTION} characters.`).default(''),
  palette: z.array(hex, { error: 'palette is a list of #rrggbb colours' }).max(MAX_PALETTE, `A palette has at most ${MAX_PALETTE} colours.`).default([])
});
export type KitInput = z.infer<typeof kitInput>;
export const kitPatch = kitInput.partial();

const assetId = z.string({ error: 'assetId is an asset id' }).regex(/^[a-z2-7]{16}$/, 'assetId is an asset id');

/** A library image into the kit. */
export const kitItemFromAsset = z.strictObject({ assetId, role: z.enum(KIT_ITEM_ROLES, { error: 'role is reference or cutout' }) });

/** An outline needs this many points to enclose anything; the page and the API say why in the same words. */
export const OUTLINE_MIN_POINTS = 3;
export const OUTLINE_TOO_FEW_POINTS = 'Draw at least three points around the object.';

/** A polygon or lasso a person drew on a photo, in 0–1 of its width and height; the feather in pixels of the photo. */
export const cutoutRequest = z.strictObject({
  assetId,
  points: z
    .array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]), { error: 'points is a list of [x, y] pairs, 0–1 of the photo' })
    .min(OUTLINE_MIN_POINTS, OUTLINE_TOO_FEW_POINTS)
    .max(2000, 'An outline has at most 2000 points.'),
  feather: z.number().min(0).max(50).default(3),
  /** Refine the outline with the server's segmentation model when it has one. */
  refine: z.boolean().default(true),
  title: z.string().trim().min(1).max(120).optional()
});
export type CutoutRequest = z.infer<typeof cutoutRequest>;
