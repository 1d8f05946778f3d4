/**
 * Where a placement's cut-out lands on the room photo, in the photo's pixels: its four corners (scale, rotation and
 * the perspective offsets all in one quad) and the projective map from the cut-out onto that quad. The board draws
 * it with a CSS matrix3d and the render job warps pixels with it, so both show the same shape.
 */
import { CORNERS, type StagingPlacement } from '../editor/model/brief/placement';

export type Point = [number, number];
/** A 3×3 projective matrix, row-major: [a, b, c, d, e, f, g, h, 1]. */
export type Homography = [number, number, number, number, number, number, number, number, number];

type Geometry = Pick<StagingPlacement, 'x' | 'y' | 'width' | 'rotation' | 'perspective'>;

/** Top-left, top-right, bottom-right, bottom-left on a photo of `roomWidth`×`roomHeight`, for a cut-out of that aspect (height / width). */
export function placementQuad(p: Geometry, roomWidth: number, roomHeight: number, aspect: number): Point[] {
  const w = p.width * roomWidth;
  const h = w * aspect;
  const cx = p.x * roomWidth;
  const cy = p.y * roomHeight;
  const rad = (p.rotation * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const box: Point[] = [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2]
  ];
  return box.map(([bx, by], i) => {
    const off = p.perspective[CORNERS[i]];
    const dx = bx + off.x * w;
    const dy = by + off.y * h;
    // Clockwise on screen (y grows downwards).
    return [cx + dx * cos - dy * sin, cy + dx * sin + dy * cos];
  });
}

/** The map from the unit square (u right, v down) onto the quad (Heckbert's square-to-quad). */
export function squareToQuad(q: Point[]): Homography {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = q;
  const dx3 = x0 - x1 + x2 - x3;
  const dy3 = y0 - y1 + y2 - y3;
  if (Math.abs(dx3) < 1e-9 && Math.abs(dy3) < 1e-9) return [x1 - x0, x3 - x0, x0, y1 - y0, y3 - y0, y0, 0, 0, 1];
  const dx1 = x1 - x2;
  const dx2 = x3 - x2;
  const dy1 = y1 - y2;
  const dy2 = y3 - y2;
  const den = dx1 * dy2 - dx2 * dy1;
  const g = (dx3 * dy2 - dx2 * dy3) / den;
  const h = (dx1 * dy3 - dx3 * dy1) / den;
  return [x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h, 1];
}

/** The inverse matrix (adjugate over determinant), or null for a quad folded flat. */
export function invert(m: Homography): Homography | null {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) return null;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

export function project(m: Homography, x: number, y: number): Point {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
}

/**
 * A CSS `matrix3d` that maps an element of `elementWidth`×`elementHeight` (transform-origin 0 0) onto the quad: the
 * board's preview of the same warp the render job makes.
 */
export function cssMatrix3d(q: Point[], elementWidth: number, elementHeight: number): string {
  const [a, b, c, d, e, f, g, h, i] = squareToQuad(q);
  const sx = 1 / elementWidth;
  const sy = 1 / elementHeight;
  // Column-major 4×4 with the element's pixels scaled to the unit square first.
  const m = [a * sx, d * sx, 0, g * sx, b * sy, e * sy, 0, h * sy, 0, 0, 1, 0, c, f, 0, i];
  return `matrix3d(${m.map((v) => +v.toFixed(10)).join(',')})`;
}
