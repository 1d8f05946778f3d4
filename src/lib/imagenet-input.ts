/** ImageNet's channel mean and deviation, which most exported vision models (Places365, U²-Net, IS-Net) expect. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** A side×side RGB picture (3 bytes a pixel) as the planar 1×3×side×side float input those models take. */
export function imagenetInput(rgb: Uint8Array, side: number): Float32Array {
  const plane = side * side;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) input[c * plane + i] = (rgb[i * 3 + c]! / 255 - MEAN[c]!) / STD[c]!;
  return input;
}
