/**
 * ESRGAN (neural, slim model) for stills: @upscalerjs/esrgan-slim's 2× and 4× networks (RDN, Keras layers models)
 * on tfjs with its wasm backend (tfjs-node would download libtensorflow at install). The picture goes through in
 * tiles with a margin of context each side, so memory stays bounded and the seams do not show.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadTf, modelArtifacts } from '../tfjs-wasm';

/** Input tile (pixels); the model was trained on 128-pixel patches. */
const TILE = 128;
/** Context each side of a tile that is computed and thrown away: the network sees past the tile's edge. */
const MARGIN = 8;

const require = createRequire(import.meta.url);

type Tf = typeof import('@tensorflow/tfjs');
type LayersModel = import('@tensorflow/tfjs').LayersModel;
const models = new Map<2 | 4, Promise<LayersModel>>();

/** The package's model for `scale`, read from its models/x<scale> folder. */
function loadModel(tf: Tf, scale: 2 | 4): Promise<LayersModel> {
  let model = models.get(scale);
  if (!model) {
    model = (async () => {
      const root = path.join(path.dirname(require.resolve('@upscalerjs/esrgan-slim')).replace(/dist\/cjs\/.*$/, ''), 'models', `x${scale}`);
      return tf.loadLayersModel(tf.io.fromMemory(await modelArtifacts(root, 'model.json')));
    })();
    models.set(scale, model);
  }
  return model;
}

export interface Picture {
  /** RGB, 8 bits a channel, rows top to bottom. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** `picture` `scale` times larger by ESRGAN, tile by tile; `onProgress` gets the fraction of tiles done. */
export async function esrganUpscale(
  picture: Picture,
  scale: 2 | 4,
  { signal, onProgress = () => {}, tile = TILE }: { signal?: AbortSignal; onProgress?: (fraction: number) => void; tile?: number } = {}
): Promise<Picture> {
  const tf = await loadTf();
  const model = await loadModel(tf, scale);
  const { width, height, data } = picture;
  const out = new Uint8Array(width * scale * height * scale * 3);
  const across = Math.ceil(width / tile);
  const down = Math.ceil(height / tile);
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      signal?.throwIfAborted();
      const x0 = tx * tile;
      const y0 = ty * tile;
      const w = Math.min(tile, width - x0);
      const h = Math.min(tile, height - y0);
      // The tile with its margin, clipped to the picture.
      const ax = Math.max(0, x0 - MARGIN);
      const ay = Math.max(0, y0 - MARGIN);
      const aw = Math.min(width, x0 + w + MARGIN) - ax;
      const ah = Math.min(height, y0 + h + MARGIN) - ay;
      const input = new Float32Array(aw * ah * 3);
      for (let y = 0; y < ah; y++) {
        const row = ((ay + y) * width + ax) * 3;
        for (let i = 0; i < aw * 3; i++) input[y * aw * 3 + i] = data[row + i]!;
      }
      const result = tf.tidy(() => {
        const y = model.predict(tf.tensor4d(input, [1, ah, aw, 3])) as import('@tensorflow/tfjs').Tensor;
        // The rdn models take and give 0–255.
        return y.clipByValue(0, 255).round();
      });
      const values = await result.data();
      result.dispose();
      const ow = aw * scale;
      const left = (x0 - ax) * scale;
      const top = (y0 - ay) * scale;
      for (let y = 0; y < h * scale; y++) {
        const from = ((top + y) * ow + left) * 3;
        const to = ((y0 * scale + y) * width * scale + x0 * scale) * 3;
        for (let i = 0; i < w * scale * 3; i++) out[to + i] = values[from + i]!;
      }
      onProgress((ty * across + tx + 1) / (across * down));
      // Timers and sockets get a turn between tiles: the worker's lease heartbeat must not wait for the whole picture.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { data: out, width: width * scale, height: height * scale };
}
