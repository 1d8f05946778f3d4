import type { ListingSnapshot, PhotoStatus, RoomType, StagingInstruction } from '$lib/editor/model/brief/snapshot';

/** What the board and the printable brief call each room; the number key that tags it is its place (0 for other). */
export const ROOM_LABELS: Record<RoomType, string> = {
  'living-room': 'Living room',
  bedroom: 'Bedroom',
  kitchen: 'Kitchen',
  bathroom: 'Bathroom',
  'dining-room': 'Dining room',
  office: 'Office',
  'exterior-front': 'Exterior front',
  backyard: 'Backyard',
  pool: 'Pool',
  other: 'Other'
};

export const PHOTO_STATUS_LABELS: Record<PhotoStatus, string> = { todo: 'To do', 'in-progress': 'In progress', done: 'Done' };

/** The key that tags a room: 1–9 in the order of `ROOM_TYPES`, 0 for other. */
export const roomKey = (index: number) => String((index + 1) % 10);

/** "$850,000", or '' when unset. */
export function formatPrice(price: number | null, currency: string): string {
  if (price === null) return '';
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(price);
  } catch {
    return `${price} ${currency}`;
  }
}

/** "3 beds · 2.5 baths · 1,850 sq ft": what is set of it. */
export function listingFacts(l: ListingSnapshot): string {
  const parts: string[] = [];
  if (l.beds !== null) parts.push(`${l.beds} ${l.beds === 1 ? 'bed' : 'beds'}`);
  if (l.baths !== null) parts.push(`${l.baths} ${l.baths === 1 ? 'bath' : 'baths'}`);
  if (l.area !== null) parts.push(`${l.area.toLocaleString('en-US')} ${l.areaUnit === 'sqft' ? 'sq ft' : 'm²'}`);
  return parts.join(' · ');
}

/** The staging asks of a photo as short phrases, for the board's badge and the printed brief. */
export function stagingAsks(s: StagingInstruction): string[] {
  const out: string[] = [];
  if (s.style) out.push(`Style: ${s.style}`);
  if (s.removeFurniture) out.push('Remove furniture');
  if (s.dayToDusk) out.push('Day to dusk');
  if (s.skyReplacement) out.push('Replace sky');
  return out;
}
