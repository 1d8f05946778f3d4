import { apiJson, errorFromBody, messageOf } from '$lib/api-client';
import type { AssetJson } from '$lib/asset';
import { OUTLINE_MIN_POINTS, OUTLINE_TOO_FEW_POINTS, type CutoutRefinementJson, type DesignKitJson, type KitItemRole } from '$lib/design-kit';

/** The design kits page: the kits, the library's images to take pictures from, and the outline being drawn. */
export class DesignKitsState {
  kits = $state.raw<DesignKitJson[]>([]);
  images = $state.raw<AssetJson[]>([]);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  busy = $state(false);
  /** The outline being drawn on a library photo, in 0–1 of it. */
  outline = $state<{ kitId: string; assetId: string; points: [number, number][] } | null>(null);

  constructor(
    readonly projectId: string,
    kits: DesignKitJson[]
  ) {
    this.kits = kits;
  }

  private async act(fn: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
      await this.reload();
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.busy = false;
    }
  }

  async reload(): Promise<void> {
    this.kits = (await apiJson<{ kits: DesignKitJson[] }>(`/api/projects/${this.projectId}/design-kits`)).kits;
  }

  async loadImages(): Promise<void> {
    try {
      this.images = (await apiJson<{ assets: AssetJson[] }>(`/api/projects/${this.projectId}/assets?kind=image&limit=200`)).assets;
    } catch (e) {
      this.error = messageOf(e);
    }
  }

  create(name: string, description: string, palette: string[]) {
    return this.act(() => apiJson(`/api/projects/${this.projectId}/design-kits`, { method: 'POST', body: { name, description, palette } }));
  }

  update(kitId: string, patch: { name?: string; description?: string; palette?: string[] }) {
    return this.act(() => apiJson(`/api/projects/${this.projectId}/design-kits/${kitId}`, { method: 'PATCH', body: patch }));
  }

  remove(kitId: string) {
    return this.act(() => apiJson(`/api/projects/${this.projectId}/design-kits/${kitId}`, { method: 'DELETE' }));
  }

  removeItem(kitId: string, itemId: string) {
    return this.act(() => apiJson(`/api/projects/${this.projectId}/design-kits/${kitId}/items/${itemId}`, { method: 'DELETE' }));
  }

  fromLibrary(kitId: string, assetId: string, role: KitItemRole) {
    return this.act(() => apiJson(`/api/projects/${this.projectId}/design-kits/${kitId}/items`, { method: 'POST', body: { assetId, role } }));
  }

  upload(kitId: string, file: File, role: KitItemRole) {
    return this.act(async () => {
      const form = new FormData();
      form.append('file', file);
      form.append('role', role);
      const r = await fetch(`/api/projects/${this.projectId}/design-kits/${kitId}/items`, { method: 'POST', body: form });
      if (!r.ok) throw errorFromBody(r.status, await r.text());
    });
  }

  /** The outline's keys (Backspace or Ctrl+Z drops the last point, Escape cancels, Enter cuts out with `cut`); true when handled. */
  outlineKey(e: KeyboardEvent, cut: () => void): boolean {
    const o = this.outline;
    if (!o || e.altKey) return false;
    const mod = e.ctrlKey || e.metaKey;
    if (e.key === 'Backspace' || (mod && e.key.toLowerCase() === 'z')) o.points = o.points.slice(0, -1);
    else if (e.key === 'Escape') this.outline = null;
    else if (e.key === 'Enter' && !this.busy) cut();
    else return false;
    e.preventDefault();
    return true;
  }

  /** Sends the drawn outline: the server cuts the object out (feathered edge, or refined by its model) into the kit. */
  cutOut(feather: number, refine: boolean) {
    const o = this.outline;
    if (!o || o.points.length < OUTLINE_MIN_POINTS) {
      this.error = OUTLINE_TOO_FEW_POINTS;
      return Promise.resolve();
    }
    return this.act(async () => {
      const answer = await apiJson<{ refinement: CutoutRefinementJson & { applied: boolean } }>(`/api/projects/${this.projectId}/design-kits/${o.kitId}/cutouts`, {
        method: 'POST',
        body: { assetId: o.assetId, points: o.points, feather, refine }
      });
      this.outline = null;
      this.notice = answer.refinement.applied ? 'Cut-out added, its edge refined by the segmentation model.' : `Cut-out added. ${answer.refinement.available && !refine ? 'It follows the outline as drawn.' : answer.refinement.message}`;
    });
  }
}
