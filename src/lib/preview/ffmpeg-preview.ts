/**
 * Runs a preview plan in ffmpeg.wasm. The FFmpeg class works in its own Web Worker, so the page stays responsive.
 * The cores are our own copies (scripts/preview-assets.mjs), loaded by that worker at run time, never bundled.
 *
 * The single-thread core is the default. The multi-thread one needs SharedArrayBuffer, i.e. a cross-origin
 * isolated page (COOP/COEP), and has open hang reports in Chromium (ffmpeg.wasm #597, #772, #883): it is tried only
 * on such a page, and a load that does not finish in time or a run that stops making progress falls back to the
 * single-thread core for good.
 */
import type { FFFSType, FFmpeg } from '@ffmpeg/ffmpeg';
import type { PreviewPlan, PreviewPlanOptions } from './preview-plan';

export type PreviewCore = 'single-thread' | 'multi-thread';
export type PreviewPhase = 'loading' | 'fetching' | 'rendering';

/** Where the files are in ffmpeg.wasm's file system: sources on a read-only WORKERFS mount (no copy in wasm memory). */
export const WASM_PATHS: PreviewPlanOptions = { inputDir: '/in', fontFile: '/fonts/DejaVuSans-Bold.ttf', graphFile: '/graph.txt', output: '/preview.mp4' };

/** Served by us; mirrored in scripts/preview-assets.mjs. */
const CORES: Record<PreviewCore, { coreURL: string; wasmURL: string; workerURL?: string }> = {
  'single-thread': { coreURL: '/ffmpeg/core/ffmpeg-core.js', wasmURL: '/ffmpeg/core/ffmpeg-core.wasm' },
  'multi-thread': { coreURL: '/ffmpeg/core-mt/ffmpeg-core.js', wasmURL: '/ffmpeg/core-mt/ffmpeg-core.wasm', workerURL: '/ffmpeg/core-mt/ffmpeg-core.worker.js' }
};
const FONT_URL = '/ffmpeg/fonts/DejaVuSans-Bold.ttf';
const MT_LOAD_TIMEOUT_MS = 20_000;
/** ffmpeg reports progress about twice a second: this long without any output is a hang. */
const MT_STALL_MS = 30_000;

export class PreviewError extends Error {}
/** The multi-thread core stopped reporting anything: one of its known hangs. */
class StallError extends Error {}

export interface PreviewResult {
  blob: Blob;
  core: PreviewCore;
  /** ffmpeg's own run (exec), and the whole preview including loading the core and fetching the sources. */
  renderMs: number;
  totalMs: number;
}

interface Engine {
  ffmpeg: FFmpeg;
  core: PreviewCore;
  workerfs: FFFSType;
}

let engine: Engine | null = null;
/** Set once the multi-thread core failed to load or hung: this page sticks to the single-thread one. */
let multiThreadFailed = false;

function drop(e: Engine) {
  e.ffmpeg.terminate();
  if (engine === e) engine = null;
}

/** Terminates the loaded core's worker, if any; the next preview loads it again. */
export function releasePreviewEngine(): void {
  if (engine) drop(engine);
}

async function loadCore(core: PreviewCore, timeoutMs: number, signal: AbortSignal): Promise<Engine> {
  const { FFmpeg, FFFSType } = await import('@ffmpeg/ffmpeg');
  const e: Engine = { ffmpeg: new FFmpeg(), core, workerfs: FFFSType.WORKERFS };
  const urls = Object.fromEntries(Object.entries(CORES[core]).map(([k, path]) => [k, new URL(path, location.origin).href]));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => drop(e);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([
      e.ffmpeg.load(urls),
      new Promise<never>((_, reject) => {
        if (Number.isFinite(timeoutMs)) timer = setTimeout(() => reject(new PreviewError(`the ${core} core did not load within ${timeoutMs / 1000} s`)), timeoutMs);
      })
    ]);
    return e;
  } catch (err) {
    drop(e);
    throw err;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

async function loadEngine(signal: AbortSignal): Promise<Engine> {
  if (engine) return engine;
  if (typeof WebAssembly !== 'object') throw new PreviewError('This browser cannot run the preview (no WebAssembly).');
  if (globalThis.crossOriginIsolated && !multiThreadFailed) {
    try {
      return (engine = await loadCore('multi-thread', MT_LOAD_TIMEOUT_MS, signal));
    } catch (err) {
      signal.throwIfAborted();
      console.warn('exact preview: the multi-thread core failed; using the single-thread one', err);
      multiThreadFailed = true;
    }
  }
  try {
    return (engine = await loadCore('single-thread', Infinity, signal));
  } catch (err) {
    signal.throwIfAborted();
    throw new PreviewError(`The preview engine could not be loaded (${String(err)}). Reload the page and try again.`);
  }
}

const ERROR_LINE = /error|invalid|fail|no such|not found|cannot|unable|unknown/i;
const OUT_OF_MEMORY = /out of memory|Aborted\(OOM\)|Cannot enlarge memory|Cannot allocate memory|memory access out of bounds|Array buffer allocation failed|ENOMEM/i;

/** ffmpeg's failure in plain words: memory first (the wasm heap ends at 2 GB), else its last error line. */
function describeFailure(log: string[], thrown?: unknown): PreviewError {
  const text = [...log, thrown === undefined ? '' : String(thrown)].join('\n');
  if (OUT_OF_MEMORY.test(text)) return new PreviewError('The preview ran out of memory; preview a shorter range.');
  const lines = log.map((l) => l.trim()).filter((l) => l && l !== 'Conversion failed!');
  const reason = lines.findLast((l) => ERROR_LINE.test(l)) ?? lines.at(-1) ?? String(thrown ?? 'ffmpeg stopped with an error');
  return new PreviewError(`The preview failed: ${reason}`);
}

async function download(url: string, signal: AbortSignal): Promise<Blob> {
  let r: Response;
  try {
    r = await fetch(url, { signal });
  } catch (err) {
    signal.throwIfAborted();
    throw new PreviewError(`A source could not be downloaded: ${String(err)}`);
  }
  if (!r.ok) throw new PreviewError(`A source could not be downloaded (HTTP ${r.status}); reload the page and try again.`);
  return r.blob();
}

/** One run on a loaded engine; the engine stays loaded for the next preview unless something went wrong. */
async function run(e: Engine, plan: PreviewPlan, signal: AbortSignal, onProgress: (phase: PreviewPhase, fraction: number) => void): Promise<{ blob: Blob; renderMs: number }> {
  const { ffmpeg } = e;
  onProgress('fetching', 0);
  let fetched = 0;
  const total = plan.fetch.length + (plan.needsFont ? 1 : 0);
  const counted = <T>(p: Promise<T>) => p.then((x) => (onProgress('fetching', ++fetched / total), x));
  const [blobs, font] = await Promise.all([
    Promise.all(plan.fetch.map((f) => counted(download(f.url, signal)).then((data) => ({ name: f.name, data })))),
    plan.needsFont ? counted(download(FONT_URL, signal)) : null
  ]);
  signal.throwIfAborted();

  const dir = WASM_PATHS.inputDir;
  await ffmpeg.createDir(dir);
  await ffmpeg.mount(e.workerfs, { blobs }, dir);
  if (font) {
    await ffmpeg.createDir('/fonts').catch(() => {});
    await ffmpeg.writeFile(WASM_PATHS.fontFile, new Uint8Array(await font.arrayBuffer()));
  }
  await ffmpeg.writeFile(WASM_PATHS.graphFile, plan.filterComplex);

  const log: string[] = [];
  let lastActivity = performance.now();
  const onLog = ({ message }: { message: string }) => {
    lastActivity = performance.now();
    log.push(message);
    if (log.length > 200) log.splice(0, 100);
  };
  // `time` is the output position in microseconds (the `progress` ratio is unreliable with many inputs).
  const onTime = ({ time }: { time: number }) => {
    lastActivity = performance.now();
    if (time > 0) onProgress('rendering', Math.min(1, time / 1e6 / plan.duration));
  };
  ffmpeg.on('log', onLog);
  ffmpeg.on('progress', onTime);
  onProgress('rendering', 0);
  const started = performance.now();
  let stallTimer: ReturnType<typeof setInterval> | undefined;
  try {
    const exec = ffmpeg.exec(plan.args, -1, { signal });
    const stalled = () =>
      new Promise<never>((_, reject) => {
        stallTimer = setInterval(() => performance.now() - lastActivity > MT_STALL_MS && reject(new StallError()), 1000);
      });
    let code: number;
    try {
      code = await (e.core === 'multi-thread' ? Promise.race([exec, stalled()]) : exec);
    } catch (err) {
      signal.throwIfAborted();
      if (err instanceof StallError) throw err;
      throw describeFailure(log, err);
    }
    if (code !== 0) throw describeFailure(log);
    const renderMs = performance.now() - started;
    const data = (await ffmpeg.readFile(WASM_PATHS.output)) as Uint8Array<ArrayBuffer>;
    await Promise.all([ffmpeg.deleteFile(WASM_PATHS.output), ffmpeg.deleteFile(WASM_PATHS.graphFile), ffmpeg.unmount(dir).then(() => ffmpeg.deleteDir(dir))]);
    return { blob: new Blob([data], { type: 'video/mp4' }), renderMs };
  } finally {
    clearInterval(stallTimer);
    ffmpeg.off('log', onLog);
    ffmpeg.off('progress', onTime);
  }
}

/**
 * Renders the plan (made with `WASM_PATHS`) to an MP4 blob. `signal` cancels: the worker is terminated at once,
 * whatever it was doing. Failures are `PreviewError`s with a message for people.
 */
export async function renderPreview(plan: PreviewPlan, o: { signal: AbortSignal; onProgress: (phase: PreviewPhase, fraction: number) => void }): Promise<PreviewResult> {
  const t0 = performance.now();
  for (;;) {
    o.onProgress('loading', 0);
    const e = await loadEngine(o.signal);
    const kill = () => drop(e);
    o.signal.addEventListener('abort', kill, { once: true });
    try {
      const { blob, renderMs } = await run(e, plan, o.signal, o.onProgress);
      return { blob, core: e.core, renderMs, totalMs: performance.now() - t0 };
    } catch (err) {
      // Its file system and memory are in an unknown state after a failure: the next preview loads a fresh core.
      drop(e);
      o.signal.throwIfAborted();
      if (err instanceof StallError) {
        console.warn('exact preview: the multi-thread core stopped making progress; retrying with the single-thread one');
        multiThreadFailed = true;
        continue;
      }
      throw err instanceof PreviewError ? err : describeFailure([], err);
    } finally {
      o.signal.removeEventListener('abort', kill);
    }
  }
}
