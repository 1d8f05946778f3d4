import type { AssetJson } from '$lib/asset';
import type { TimelineSnapshot } from '$lib/editor/model/timeline/snapshot';
import type { SpeechByAsset } from '$lib/editor/model/timeline/speech-ducking';
import { PreviewError, releasePreviewEngine, renderPreview, WASM_PATHS, type PreviewCore, type PreviewPhase } from './ffmpeg-preview';
import { planPreview, type TimeRange } from './preview-plan';

/** A finished preview: a playable MP4 in memory and what it shows. */
export interface PreviewVideo {
  url: string;
  range: TimeRange;
  width: number;
  height: number;
  core: PreviewCore;
  /** ffmpeg's own run, and the whole preview (loading the core, fetching the sources, rendering). */
  renderMs: number;
  totalMs: number;
}

/**
 * The program monitor's exact preview: one run at a time, cancellable; the result stays playable (a blob: URL)
 * until the next run or `close()`.
 */
export class ExactPreview {
  running = $state(false);
  phase = $state<PreviewPhase>('loading');
  /** Of the current phase, 0..1. */
  fraction = $state(0);
  video = $state.raw<PreviewVideo | null>(null);
  error = $state<string | null>(null);
  /** What the graph left out (clips still processing, impossible transitions…). */
  warnings = $state.raw<string[]>([]);
  #abort: AbortController | null = null;

  async start(snapshot: TimelineSnapshot, assets: Record<string, AssetJson>, range: TimeRange, speech: SpeechByAsset = {}): Promise<void> {
    this.cancel();
    this.close();
    const abort = (this.#abort = new AbortController());
    this.running = true;
    this.error = null;
    try {
      const plan = planPreview(snapshot, assets, range, WASM_PATHS, speech);
      this.warnings = plan.warnings;
      const result = await renderPreview(plan, {
        signal: abort.signal,
        onProgress: (phase, fraction) => {
          if (abort.signal.aborted) return;
          this.phase = phase;
          this.fraction = fraction;
        }
      });
      this.video = { url: URL.createObjectURL(result.blob), range, width: plan.width, height: plan.height, core: result.core, renderMs: result.renderMs, totalMs: result.totalMs };
    } catch (err) {
      if (abort.signal.aborted) return;
      this.error = err instanceof PreviewError ? err.message : `The preview failed: ${String(err)}`;
    } finally {
      if (this.#abort === abort) {
        this.#abort = null;
        this.running = false;
      }
    }
  }

  /** Stops a run at once (its worker is terminated). */
  cancel(): void {
    this.#abort?.abort();
    this.#abort = null;
    this.running = false;
  }

  /** Back to following the playhead: the finished video is released. */
  close(): void {
    if (this.video) URL.revokeObjectURL(this.video.url);
    this.video = null;
  }

  /** Leaving the studio: also frees the idle ffmpeg.wasm worker (its core holds tens of MB). */
  destroy(): void {
    this.cancel();
    this.close();
    releasePreviewEngine();
  }
}
