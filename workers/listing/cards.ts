/**
 * The cards of a listing video drawn as pictures (SVG through sharp): the title card (address, price, facts), the
 * agent's outro (branded only), the end card of unbranded cuts, and the "Virtually staged" mark.
 */
import QRCode from 'qrcode';
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { formatPrice, listingFacts } from '../../src/lib/brief/brief-labels';
import type { ListingSnapshot } from '../../src/lib/editor/model/brief/snapshot';
import { rgbToYuv, type Overlay, type Yuv } from './frames';

export const STAGED_MARK_TEXT = 'Virtually staged';
const FONT = 'DejaVu Sans';
const NEUTRAL = { background: '#111827', accent: '#e5e7eb' };

/** Text is only ever an SVG text node's content: escaped, so an address cannot add markup. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** One line of at most `max` characters (an address may be long): cut with an ellipsis. */
function line(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return escapeXml(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

async function toYuv(image: Sharp, width: number, height: number): Promise<Yuv> {
  const { data } = await image.resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return rgbToYuv(data, width, height);
}

/** A card's background: the photo (RGB raw at the frame's size) darkened under the text, or a flat colour. */
async function backdrop(width: number, height: number, photo: Buffer | null, colour: string): Promise<Sharp> {
  const raw = { width, height, channels: 3 as const };
  // Darkened in a pass of its own: sharp would apply `linear` after the composite, dimming the text too.
  if (photo) return sharp(await sharp(photo, { raw }).linear(0.38, 0).raw().toBuffer(), { raw });
  return sharp({ create: { ...raw, background: colour } });
}

export async function titleCard(width: number, height: number, listing: ListingSnapshot, photo: Buffer | null): Promise<Yuv> {
  const s = Math.min(width, height) / 1080;
  const wide = width > height * 1.2;
  const chars = Math.floor(width / (34 * s));
  const price = formatPrice(listing.price, listing.currency);
  const facts = listingFacts(listing);
  const cy = height / 2;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <g font-family="${FONT}" fill="#ffffff" text-anchor="middle">
    <text x="${width / 2}" y="${cy - 40 * s}" font-size="${(wide ? 64 : 56) * s}" font-weight="bold">${line(listing.address || 'Just listed', chars)}</text>
    ${price ? `<text x="${width / 2}" y="${cy + 50 * s}" font-size="${54 * s}">${line(price, 40)}</text>` : ''}
    ${facts ? `<text x="${width / 2}" y="${cy + 130 * s}" font-size="${40 * s}" fill-opacity="0.9">${line(facts, chars + 10)}</text>` : ''}
  </g></svg>`;
  return toYuv((await backdrop(width, height, photo, NEUTRAL.background)).composite([{ input: Buffer.from(svg) }]), width, height);
}

async function qrSvg(url: string, size: number): Promise<string> {
  const svg = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
  return svg.replace('<svg ', `<svg width="${size}" height="${size}" `);
}

export interface EndCardOptions {
  width: number;
  height: number;
  listing: ListingSnapshot;
  branded: boolean;
  /** The agent's logo (any image sharp reads), branded only. */
  logo: Buffer | null;
  /** The page with the unaltered photos, when any photo is virtually staged (AB 723: a link or QR code to them). */
  originalsUrl: string | null;
}

/** Branded: the agent's outro (name, phone, logo, colours). Unbranded: the address and nothing that names anyone. */
export async function endCard(o: EndCardOptions): Promise<Yuv> {
  const { width, height, listing } = o;
  const s = Math.min(width, height) / 1080;
  const b = listing.branding;
  const background = o.branded ? b.primaryColor : NEUTRAL.background;
  const accent = o.branded ? b.accentColor : NEUTRAL.accent;
  const qrSize = Math.round(220 * s);
  const tall = height > width;
  const layers: OverlayOptions[] = [];
  const texts: string[] = [];
  let y = height * (tall ? 0.3 : 0.28);
  if (o.branded && o.logo) {
    const logoH = Math.round(180 * s);
    const logo = await sharp(o.logo).resize({ height: logoH, width: Math.round(width * 0.6), fit: 'inside' }).png().toBuffer({ resolveWithObject: true });
    layers.push({ input: logo.data, left: Math.round((width - logo.info.width) / 2), top: Math.round(y - logoH * 0.9) });
    y += logoH * 0.4;
  }
  if (o.branded) {
    if (b.name) texts.push(`<text x="${width / 2}" y="${(y += 80 * s)}" font-size="${60 * s}" font-weight="bold">${line(b.name, 40)}</text>`);
    if (b.phone) texts.push(`<text x="${width / 2}" y="${(y += 70 * s)}" font-size="${46 * s}">${line(b.phone, 40)}</text>`);
  } else {
    texts.push(`<text x="${width / 2}" y="${(y += 80 * s)}" font-size="${52 * s}" font-weight="bold">${line(listing.address || 'Just listed', Math.floor(width / (32 * s)))}</text>`);
  }
  texts.push(`<rect x="${width / 2 - 120 * s}" y="${(y += 40 * s)}" width="${240 * s}" height="${6 * s}" fill="${accent}"/>`);
  if (o.originalsUrl) {
    const top = Math.round(y + 50 * s);
    layers.push({ input: Buffer.from(await qrSvg(o.originalsUrl, qrSize)), left: Math.round((width - qrSize) / 2), top });
    texts.push(`<text x="${width / 2}" y="${top + qrSize + 50 * s}" font-size="${30 * s}">Scan for the unaltered photos</text>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="${FONT}" fill="#ffffff" text-anchor="middle">${texts.join('')}</g></svg>`;
  return toYuv((await backdrop(width, height, null, background)).composite([{ input: Buffer.from(svg) }, ...layers]), width, height);
}

/** The disclosure drawn on every frame of a staged photo, bottom left, legible at the frame's size. */
export async function stagedMark(width: number, height: number): Promise<Overlay> {
  const s = Math.min(width, height) / 1080;
  const w = Math.round((420 * s) / 2) * 2;
  const h = Math.round((72 * s) / 2) * 2;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" rx="${12 * s}" fill="#000000" fill-opacity="0.62"/><text x="${w / 2}" y="${h * 0.68}" font-family="${FONT}" font-size="${36 * s}" font-weight="bold" fill="#ffffff" text-anchor="middle">${STAGED_MARK_TEXT}</text></svg>`;
  const { data } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const rgb = Buffer.alloc(w * h * 3);
  const alpha = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    rgb[i * 3] = data[i * 4]!;
    rgb[i * 3 + 1] = data[i * 4 + 1]!;
    rgb[i * 3 + 2] = data[i * 4 + 2]!;
    alpha[i] = data[i * 4 + 3]!;
  }
  const margin = Math.round((40 * s) / 2) * 2;
  return { x: margin, y: height - h - margin - (height > width ? Math.round((160 * s) / 2) * 2 : 0), yuv: rgbToYuv(rgb, w, h), alpha };
}
