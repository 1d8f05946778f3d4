import type { AssetJson } from '$lib/asset';
import type { StationAssets } from '$lib/editor/model/playlist/snapshot';
import type { ProjectSession } from '$lib/editor/project-session.svelte';

/** Drag type of a library file dragged into a playlist (its asset id). */
export const STATION_ASSET_DRAG_TYPE = 'application/x-airstudio-asset';

const playableKind = (a: AssetJson) => a.kind === 'audio' || a.kind === 'video';

/**
 * What the station editors know of the project's library: every audio and video file (so an item whose file waits
 * for approval says so), followed live over the session's socket. The first 200 files are listed. The brief board
 * lists images with it (`keep`).
 */
export class StationLibrary {
  assets = $state.raw<AssetJson[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  readonly #stop: () => void;

  /** The facts the playlist totals and the playout plan take, by asset id. */
  readonly stationAssets: StationAssets = $derived.by(() => {
    const out: Record<string, StationAssets[string]> = {};
    for (const a of this.assets) {
      out[a.id] = { duration: a.processing.state === 'ready' ? (a.duration ?? 0) : 0, approved: a.status === 'approved', title: a.title, artist: a.artist };
    }
    return out;
  });

  /** What can go into a playlist: approved, processed audio and video with a length. */
  readonly usable: AssetJson[] = $derived(this.assets.filter((a) => a.status === 'approved' && a.processing.state === 'ready' && !!a.duration));

  constructor(
    readonly session: ProjectSession,
    readonly projectId: string,
    readonly keep: (a: AssetJson) => boolean = playableKind
  ) {
    void this.load();
    const socket = session.socket;
    const changed = (a: AssetJson) => {
      if (a.projectId !== projectId) return;
      const rest = this.assets.filter((x) => x.id !== a.id);
      this.assets = keep(a) ? [a, ...rest] : rest;
    };
    const deleted = (e: { projectId: string; assetId: string }) => {
      if (e.projectId === projectId) this.assets = this.assets.filter((x) => x.id !== e.assetId);
    };
    socket.on('asset:changed', changed);
    socket.on('asset:deleted', deleted);
    this.#stop = () => {
      socket.off('asset:changed', changed);
      socket.off('asset:deleted', deleted);
    };
  }

  byId(id: string): AssetJson | undefined {
    return this.assets.find((a) => a.id === id);
  }

  async load(): Promise<void> {
    try {
      const r = await fetch(`/api/projects/${this.projectId}/assets?limit=200`);
      const body = await r.json();
      if (!r.ok) throw new Error(body?.error?.message ?? `The library did not load (${r.status}).`);
      this.assets = (body.assets as AssetJson[]).filter(this.keep);
      this.error = null;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.loaded = true;
    }
  }

  destroy(): void {
    this.#stop();
  }
}
