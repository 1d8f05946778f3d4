import * as Y from 'yjs';
import { z } from 'zod';
import type { AgentBranding, ListingSnapshot } from './snapshot';

/** The listing lives in this root Y.Map, one key per field: there is exactly one, and two people filling different fields both keep theirs. */
export const LISTING_MAP = 'briefListing';

export const MAX_ADDRESS = 300;
const COLOR = /^#[0-9a-fA-F]{6}$/;

export const DEFAULT_LISTING: ListingSnapshot = {
  address: '',
  price: null,
  currency: 'USD',
  beds: null,
  baths: null,
  area: null,
  areaUnit: 'sqft',
  branding: { name: '', phone: '', logoAssetId: null, primaryColor: '#1f2937', accentColor: '#2563eb' },
  mlsUnbranded: false
};

const count = (what: string, max: number, step = 1) =>
  z
    .number({ message: `${what} is a number.` })
    .min(0, `${what} cannot be negative.`)
    .max(max, `${what} is at most ${max}.`)
    .refine((n) => Number.isInteger(n / step), `${what} goes in steps of ${step}.`)
    .nullable();

const colorSchema = z.string().regex(COLOR, 'A colour is #rrggbb.');

const brandingObject = z.object({
  name: z.string().trim().max(120, 'An agent name has at most 120 characters.'),
  phone: z.string().trim().max(40, 'A phone number has at most 40 characters.').regex(/^[0-9+()\-.\s]*$/, 'A phone number has digits, spaces and + ( ) - . only.'),
  logoAssetId: z.string().min(1).max(64).nullable(),
  primaryColor: colorSchema,
  accentColor: colorSchema
});
export const brandingSchema: z.ZodType<AgentBranding> = brandingObject;

const listingObject = z.object({
  address: z.string().trim().max(MAX_ADDRESS, `An address has at most ${MAX_ADDRESS} characters.`),
  price: count('The price', 1e12),
  currency: z.string().regex(/^[A-Z]{3}$/, 'A currency is a three-letter code (USD, EUR).'),
  beds: count('Beds', 100),
  baths: count('Baths', 100, 0.5),
  area: count('The area', 1e7),
  areaUnit: z.enum(['sqft', 'm2']),
  branding: brandingSchema,
  mlsUnbranded: z.boolean()
});
export const listingSchema: z.ZodType<ListingSnapshot> = listingObject;

type ListingPatch = Partial<Omit<ListingSnapshot, 'branding'>> & { branding?: Partial<AgentBranding> };
export type { ListingPatch };

const LISTING_FIELDS = ['address', 'price', 'currency', 'beds', 'baths', 'area', 'areaUnit', 'mlsUnbranded'] as const;
const BRANDING_FIELDS = ['name', 'phone', 'logoAssetId', 'primaryColor', 'accentColor'] as const;
const brandingKey = (k: string) => `branding.${k}`;

/** Each field read on its own: one a peer garbled falls back to its default, the rest still show. */
export function readListing(map: Y.Map<unknown>): ListingSnapshot {
  const shape = listingObject.shape;
  const brandShape = brandingObject.shape;
  const out: Record<string, unknown> = {};
  for (const k of LISTING_FIELDS) {
    const r = shape[k].safeParse(map.get(k));
    out[k] = r.success && map.has(k) ? r.data : DEFAULT_LISTING[k];
  }
  const branding: Record<string, unknown> = {};
  for (const k of BRANDING_FIELDS) {
    const r = brandShape[k].safeParse(map.get(brandingKey(k)));
    branding[k] = r.success && map.has(brandingKey(k)) ? r.data : DEFAULT_LISTING.branding[k];
  }
  return { ...(out as Omit<ListingSnapshot, 'branding'>), branding: branding as unknown as AgentBranding };
}

/** The listing with a patch over it (pure). */
export function patchListing(listing: ListingSnapshot, patch: ListingPatch): ListingSnapshot {
  return { ...listing, ...patch, branding: { ...listing.branding, ...(patch.branding ?? {}) } };
}

/** Writes only the fields that differ from what the map holds. Call inside a transaction, with a validated listing. */
export function writeListing(map: Y.Map<unknown>, next: ListingSnapshot): void {
  const current = readListing(map);
  for (const k of LISTING_FIELDS) if (!map.has(k) ? next[k] !== DEFAULT_LISTING[k] : current[k] !== next[k]) map.set(k, next[k]);
  for (const k of BRANDING_FIELDS) {
    const key = brandingKey(k);
    if (!map.has(key) ? next.branding[k] !== DEFAULT_LISTING.branding[k] : current.branding[k] !== next.branding[k]) map.set(key, next.branding[k]);
  }
}
