/**
 * tfjs on its wasm backend for the workers' small models (ESRGAN, the COCO detector): set up once per worker
 * process (tfjs-node would download libtensorflow at install), and a model's files read from a package folder.
 */
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

type Tf = typeof import('@tensorflow/tfjs');
let tfReady: Promise<Tf> | null = null;

/** tfjs on its wasm backend, set up once per worker. */
export function loadTf(): Promise<Tf> {
  tfReady ??= (async () => {
    const before = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    const file = (name: string) => path.join(dist, name);
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': file('tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': file('tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': file('tfjs-backend-wasm-threaded-simd.wasm')
    });
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not start its wasm backend');
    await tf.ready();
    // The wasm glue (Emscripten) makes every unhandled rejection in the process fatal; the worker keeps its own rules.
    for (const listener of process.listeners('uncaughtException')) if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection')) if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
    return tf;
  })();
  return tfReady;
}

/** A tfjs model's topology and weights from `dir` (its JSON and the weight files it lists), for `tf.io.fromMemory`. */
export async function modelArtifacts(dir: string, jsonName: string): Promise<import('@tensorflow/tfjs').io.ModelArtifacts> {
  const json = JSON.parse(await fs.readFile(path.join(dir, jsonName), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }[];
  };
  const weights = Buffer.concat(await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(dir, p)))));
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length) as ArrayBuffer;
  return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData };
}
