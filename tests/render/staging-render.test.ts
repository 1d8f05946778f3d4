import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { newPlacement, type StagingPlacement } from '$lib/editor/model/brief/placement';
import { renderStaging } from '../../workers/staging/staging-render';
import { stagedMarkBox, withStagedMark } from '../../workers/staging/staged-mark';

const W = 320;
const H = 240;
const GREY = 128;

/** A flat mid-grey room photo. */
const room = () => sharp({ create: { width: W, height: H, channels: 3, background: { r: GREY, g: GREY, b: GREY } } }).png().toBuffer();

/** A 40×20 cut-out: left half red, right half blue, with a fully transparent 4 px border all round. */
async function cutout(): Promise<Buffer> {
  const w = 48;
  const h = 28;
  const px = Buffer.alloc(w * h * 4);
  for (let y = 4; y < h - 4; y++)
    for (let x = 4; x < w - 4; x++) {
      const k = (y * w + x) * 4;
      const red = x < w / 2;
      px[k] = red ? 255 : 0;
      px[k + 2] = red ? 0 : 255;
      px[k + 3] = 255;
    }
  return sharp(px, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
}

async function pixels(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return (x: number, y: number) => {
    const k = (y * info.width + x) * info.channels;
    return [data[k], data[k + 1], data[k + 2]];
  };
}

const isRed = ([r, g, b]: number[]) => r > 200 && g < 60 && b < 60;
const isBlue = ([r, g, b]: number[]) => b > 200 && r < 60 && g < 60;
const isGrey = ([r, g, b]: number[]) => [r, g, b].every((c) => Math.abs(c - GREY) < 12);

/** Centre (80, 120), 96×56 (the 48×28 cut-out at 2×): opaque x 40…120 (red left of 80), y 100…140. */
function at(patch: Partial<StagingPlacement> = {}): StagingPlacement {
  return { ...newPlacement({ id: 'p1', photoId: 'ph', cutoutId: 'a', order: 'a0', x: 80 / W, y: 120 / H, width: 96 / W }), shadow: { opacity: 0, blur: 0, offsetX: 0, offsetY: 0 }, ...patch };
}

describe('staging render (sharp + projective warp)', () => {
  it('puts a known cut-out at a known place, keeps the room elsewhere, and the transparent border shows the room', async () => {
    const out = await renderStaging(await room(), [{ placement: at(), cutout: await cutout() }]);
    expect([out.width, out.height]).toEqual([W, H]);
    const px = await pixels(out.data);
    expect(isRed(px(60, 120))).toBe(true);
    expect(isBlue(px(100, 120))).toBe(true);
    expect(isGrey(px(70, 95))).toBe(true); // in the transparent border (y 92…100: 4 px at 2× scale)
    expect(isGrey(px(200, 60))).toBe(true);
    expect(isGrey(px(80, 150))).toBe(true);
  });

  it('flip mirrors the cut-out; a 90° rotation turns its left side to the top', async () => {
    const flipped = await pixels((await renderStaging(await room(), [{ placement: at({ flip: true }), cutout: await cutout() }])).data);
    expect(isBlue(flipped(60, 120))).toBe(true);
    expect(isRed(flipped(100, 120))).toBe(true);
    const turned = await pixels((await renderStaging(await room(), [{ placement: at({ rotation: 90 }), cutout: await cutout() }])).data);
    expect(isRed(turned(80, 100))).toBe(true);
    expect(isBlue(turned(80, 140))).toBe(true);
    expect(isGrey(turned(50, 120))).toBe(true); // was red before turning: now outside the 40 px wide upright box
  });

  it('perspective moves a corner: the top-left corner pulled in leaves room showing where the red was', async () => {
    const plain = await pixels((await renderStaging(await room(), [{ placement: at(), cutout: await cutout() }])).data);
    const pulled = await pixels((await renderStaging(await room(), [{ placement: at({ perspective: { topLeft: { x: 0.3, y: 0.3 }, topRight: { x: 0, y: 0 }, bottomRight: { x: 0, y: 0 }, bottomLeft: { x: 0, y: 0 } } }), cutout: await cutout() }])).data);
    expect(isRed(plain(45, 104))).toBe(true);
    expect(isGrey(pulled(45, 104))).toBe(true);
    expect(isRed(pulled(60, 130))).toBe(true);
  });

  it('a drop shadow darkens the room beside the cut-out, the stacking order decides who is on top', async () => {
    const shadowed = await pixels(
      (await renderStaging(await room(), [{ placement: at({ shadow: { opacity: 0.8, blur: 0.005, offsetX: 0.05, offsetY: 0.05 } }), cutout: await cutout() }])).data
    );
    const [r] = shadowed(128, 150);
    expect(r).toBeLessThan(GREY - 40);
    expect(isGrey(shadowed(20, 80))).toBe(true);
    expect(isGrey(shadowed(142, 150))).toBe(true); // under the offset transparent border: no shadow there
    // Two cut-outs at the same place: the later one covers the earlier, flipped one.
    const stacked = await pixels((await renderStaging(await room(), [{ placement: at({ flip: true }), cutout: await cutout() }, { placement: at({ id: 'p2' }), cutout: await cutout() }])).data);
    expect(isRed(stacked(60, 120))).toBe(true);
  });

  it('carries the "Virtually staged" mark bottom right: white text on a dark plate, legible size at 1080p', async () => {
    const out = await renderStaging(await room(), []);
    const px = await pixels(out.data);
    const box = stagedMarkBox(W, H);
    let white = 0;
    let dark = 0;
    for (let y = box.top; y < box.top + box.height; y++)
      for (let x = box.left; x < box.left + box.width; x++) {
        const [r, g, b] = px(x, y);
        if (r > 200 && g > 200 && b > 200) white++;
        if (r < 70 && g < 70 && b < 70) dark++;
      }
    expect(white).toBeGreaterThan(100);
    expect(dark).toBeGreaterThan(box.width * box.height * 0.3);
    expect(isGrey(px(10, 10))).toBe(true);
    const hd = stagedMarkBox(1920, 1080);
    expect(hd.height).toBeGreaterThanOrEqual(45);
    expect(hd.left + hd.width).toBeLessThan(1920);
    // A picture from elsewhere (a staging provider's) gets the same mark.
    const marked = await pixels((await withStagedMark(await room())).data);
    expect(marked(box.left + Math.round(box.width * 0.05), box.top + Math.round(box.height / 2))[0]).toBeLessThan(70);
  });
});
