import path from 'node:path';
import sharp from 'sharp';
import { imagenetInput } from '$lib/imagenet-input';
import type { Logger } from '../log';

type Session = import('onnxruntime-node').InferenceSession;

/** The model's input side when its file does not say (U²-Net's and IS-Net's exports use 320 and 1024). */
const DEFAULT_SIDE = 320;
/** How far outside the drawn outline the model may still keep the object, as a share of the cut-out's larger side. */
const REACH = 0.03;

/**
 * Automatic refinement of a drawn cut-out by an operator's salient-object segmentation model (ONNX, e.g. U²-Net or
 * IS-Net exports, both Apache-2.0; none ships with the app): 1×3×S×S RGB normalised by ImageNet's mean and deviation
 * in, a 1×1×S×S map out (min–max scaled, as rembg reads these models). Runs on onnxruntime-node's CPU build.
 */
export class CutoutRefiner {
  private session: Promise<Session> | null = null;

  constructor(
    private readonly modelFile: string | null,
    private readonly logger: Logger
  ) {}

  get available(): boolean {
    return this.modelFile !== null;
  }

  get modelName(): string | null {
    return this.modelFile ? path.basename(this.modelFile) : null;
  }

  private load(): Promise<Session> {
    this.session ??= (async () => {
      const ort = await import('onnxruntime-node');
      return ort.InferenceSession.create(this.modelFile!);
    })();
    // A model that fails to load is tried again on the next cut-out (the operator may be fixing the file).
    this.session.catch(() => (this.session = null));
    return this.session;
  }

  /**
   * The alpha of a `width`×`height` crop (`rgb`, 3 bytes a pixel) from the model, kept within `outline` (the drawn
   * polygon's mask of the same size) widened by a few per cent: what the model sees as the object, where the person
   * drew. Null (and logged) when the model fails: the caller keeps the drawn outline.
   */
  async refine(rgb: Buffer, width: number, height: number, outline: Buffer): Promise<Buffer | null> {
    try {
      const ort = await import('onnxruntime-node');
      const session = await this.load();
      const dims = (session as unknown as { inputMetadata?: { shape?: unknown[] }[] }).inputMetadata?.[0]?.shape;
      const side = typeof dims?.[2] === 'number' && dims[2] > 0 ? dims[2] : DEFAULT_SIDE;
      const square = await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(side, side, { fit: 'fill' }).raw().toBuffer();
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', imagenetInput(square, side), [1, 3, side, side]) });
      const map = out[session.outputNames[0]!]!.data as Float32Array;
      if (map.length < side * side) throw new Error(`the model answered ${map.length} values, not a ${side}×${side} map`);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < side * side; i++) {
        lo = Math.min(lo, map[i]!);
        hi = Math.max(hi, map[i]!);
      }
      const scale = hi > lo ? 255 / (hi - lo) : 0;
      const grey = Buffer.alloc(side * side);
      for (let i = 0; i < side * side; i++) grey[i] = Math.round((map[i]! - lo) * scale);
      const saliency = await sharp(grey, { raw: { width: side, height: side, channels: 1 } }).resize(width, height, { fit: 'fill' }).extractChannel(0).raw().toBuffer();
      const reach = Math.max(1, Math.round(Math.max(width, height) * REACH));
      // Widen the outline: blur it, then anything the blur reached counts as inside.
      const widened = await sharp(outline, { raw: { width, height, channels: 1 } }).blur(reach / 2 + 0.3).extractChannel(0).raw().toBuffer();
      const alpha = Buffer.alloc(width * height);
      for (let i = 0; i < alpha.length; i++) alpha[i] = widened[i]! > 0 ? saliency[i]! : 0;
      return alpha;
    } catch (e) {
      this.logger.error({ err: e, model: this.modelFile }, 'cut-out refinement failed; the drawn outline is kept');
      return null;
    }
  }
}
