/**
 * Scene cues from colour statistics of regions of a small RGB thumbnail: sky (blue or bright overcast in the top
 * band), greenery (saturated greens), water (saturated blue-cyan in the lower half: a pool). Plain colour rules, no
 * model: a blue wall reads as sky, so the room rules weigh these below detected objects.
 */

export interface SceneCues {
  /** Share (0–1) of the top quarter that is sky blue. */
  sky: number;
  /** Share of the whole picture that is foliage green. */
  greenery: number;
  /** Share of the lower half that is pool blue-cyan. */
  water: number;
}

/** Hue (0–360), saturation and value (0–1) of one RGB pixel. */
function hsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h *= 60;
    if (h < 0) h += 360;
  }
  return [h, max === 0 ? 0 : d / max, max / 255];
}

export const isSky = (h: number, s: number, v: number) => h >= 190 && h <= 250 && s >= 0.15 && v >= 0.45;
export const isGreenery = (h: number, s: number, v: number) => h >= 65 && h <= 160 && s >= 0.25 && v >= 0.15;
export const isWater = (h: number, s: number, v: number) => h >= 170 && h <= 215 && s >= 0.3 && v >= 0.3;

/** Cues from RGB pixels (3 bytes each, rows top to bottom). */
export function sceneCues(rgb: Uint8Array, width: number, height: number): SceneCues {
  let sky = 0;
  let green = 0;
  let water = 0;
  const top = Math.max(1, Math.round(height / 4));
  const lowerStart = Math.floor(height / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const [h, s, v] = hsv(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!);
      if (y < top && isSky(h, s, v)) sky++;
      if (isGreenery(h, s, v)) green++;
      if (y >= lowerStart && isWater(h, s, v)) water++;
    }
  }
  return { sky: sky / (top * width), greenery: green / (width * height), water: water / ((height - lowerStart) * width) };
}
