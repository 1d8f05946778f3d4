import { apiJson, messageOf } from '$lib/api-client';
import type { DesignKitJson, KitItemJson } from '$lib/design-kit';
import { runCommand } from '$lib/editor/commands/command';
import { runGesture, type RefusingCommand } from '$lib/editor/commands/operation-command';
import { addPlacementCommand } from '$lib/editor/commands/staging/add-placement';
import { flipPlacementCommand } from '$lib/editor/commands/staging/flip-placement';
import { movePlacementCommand } from '$lib/editor/commands/staging/move-placement';
import { removePlacementsCommand } from '$lib/editor/commands/staging/remove-placements';
import { reorderPlacementCommand } from '$lib/editor/commands/staging/reorder-placement';
import { rotatePlacementCommand } from '$lib/editor/commands/staging/rotate-placement';
import { scalePlacementCommand } from '$lib/editor/commands/staging/scale-placement';
import { setPerspectiveCommand } from '$lib/editor/commands/staging/set-perspective';
import { setShadowCommand } from '$lib/editor/commands/staging/set-shadow';
import { redo, undo } from '$lib/editor/commands/undo';
import type { PlacementCorners, PlacementShadow, StagingPlacement } from '$lib/editor/model/brief/placement';
import { placementsOn } from '$lib/editor/model/brief/staging-operations';
import { canEdit } from '$lib/editor/model/role';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import { listenToSession } from '$lib/editor/session-listeners';
import { isFinished, type JobJson } from '$lib/job';
import { readPeerStagings, type PeerStaging } from './staging-presence';

/** Arrow keys move a cut-out this far (Shift: ten times), in fractions of the photo. */
const NUDGE = 0.005;
const PUBLISH_MS = 100;

/**
 * One photo's staging board in one open studio: the placements on it (live from the document), the cut-out being
 * edited, who else is editing which, the kits' cut-outs to place, and the render and provider buttons.
 */
export class StagingBoard {
  placements = $state.raw<StagingPlacement[]>([]);
  selected = $state<string | null>(null);
  peers = $state.raw<PeerStaging[]>([]);
  kits = $state.raw<DesignKitJson[]>([]);
  kitsError = $state<string | null>(null);
  providerConfigured = $state<boolean | null>(null);
  message = $state<string | null>(null);
  job = $state.raw<JobJson | null>(null);
  readonly #stop: (() => void)[] = [];
  #publishTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly session: ProjectSession,
    readonly projectId: string,
    readonly photoId: string
  ) {
    const refresh = () => {
      this.placements = placementsOn(session.project.brief.staging(), photoId);
      if (this.selected && !this.placements.some((p) => p.id === this.selected)) this.select(null);
    };
    refresh();
    const readPeers = () => (this.peers = readPeerStagings(session.provider.awareness.getStates(), session.doc.clientID).filter((p) => p.photoId === photoId));
    this.#stop.push(listenToSession(session, (changed) => session.project.brief.placements.observe(changed), refresh, readPeers));
    this.share();
  }

  get editable(): boolean {
    return canEdit(this.session.role);
  }

  get current(): StagingPlacement | undefined {
    return this.placements.find((p) => p.id === this.selected);
  }

  /** Every kit's cut-outs, by id (what a placement draws). */
  get cutouts(): Map<string, KitItemJson> {
    return new Map(this.kits.flatMap((k) => k.items.filter((i) => i.role === 'cutout').map((i) => [i.id, i] as const)));
  }

  /** Who else edits a placement, by placement id. */
  get editors(): Map<string, PeerStaging[]> {
    const out = new Map<string, PeerStaging[]>();
    for (const p of this.peers) if (p.placementId) out.set(p.placementId, [...(out.get(p.placementId) ?? []), p]);
    return out;
  }

  async load(): Promise<void> {
    try {
      this.kits = (await apiJson<{ kits: DesignKitJson[] }>(`/api/projects/${this.projectId}/design-kits`)).kits;
      this.kitsError = null;
    } catch (e) {
      this.kitsError = messageOf(e);
    }
    try {
      this.providerConfigured = (await apiJson<{ configured: boolean }>(`/api/projects/${this.projectId}/brief/photos/${this.photoId}/staging/provider`)).configured;
    } catch {
      this.providerConfigured = false;
    }
  }

  select(id: string | null): void {
    this.selected = id;
    this.share();
  }

  run<A>(command: RefusingCommand<A>, args: A): boolean {
    const refusal = runGesture(command, this.session.context, args);
    this.message = refusal;
    return refusal === null;
  }

  /** Drag moves run as continuous edits (no undo stop per pointer move); the gesture ends with `endGesture`. */
  moveTo(id: string, x: number, y: number): void {
    runCommand(movePlacementCommand, this.session.context, { id, x, y });
  }

  endGesture(): void {
    this.session.context.undoManager?.stopCapturing();
  }

  place(cutoutId: string): void {
    const before = new Set(this.placements.map((p) => p.id));
    if (!this.run(addPlacementCommand, { photoId: this.photoId, cutoutId })) return;
    const added = placementsOn(this.session.project.brief.staging(), this.photoId).find((p) => !before.has(p.id));
    if (added) this.select(added.id);
  }

  scale(width: number): void {
    if (this.selected) this.run(scalePlacementCommand, { id: this.selected, width });
  }
  rotate(rotation: number): void {
    if (this.selected) this.run(rotatePlacementCommand, { id: this.selected, rotation });
  }
  flip(): void {
    if (this.selected) this.run(flipPlacementCommand, { id: this.selected });
  }
  shadow(patch: Partial<PlacementShadow>): void {
    if (this.selected) this.run(setShadowCommand, { id: this.selected, patch });
  }
  perspective(corners: Partial<PlacementCorners>): void {
    if (this.selected) this.run(setPerspectiveCommand, { id: this.selected, corners });
  }
  reorder(to: 'forward' | 'backward' | 'front' | 'back'): void {
    if (this.selected) this.run(reorderPlacementCommand, { id: this.selected, to });
  }
  remove(): void {
    if (this.selected) this.run(removePlacementsCommand, { ids: [this.selected] });
  }

  /** The board's keys (Del, arrows nudge, [ ] order, H flip, Ctrl+Z); true when handled. */
  key(e: KeyboardEvent): boolean {
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key;
    if (mod && k.toLowerCase() === 'z') runCommand(e.shiftKey ? redo : undo, this.session.context, undefined);
    else if (mod && k.toLowerCase() === 'y') runCommand(redo, this.session.context, undefined);
    else if (k === 'Escape') this.select(null);
    else if (mod || e.altKey || !this.editable || !this.selected) return false;
    else if (k.startsWith('Arrow')) {
      const step = e.shiftKey ? NUDGE * 10 : NUDGE;
      const [dx, dy] = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[k] ?? [0, 0];
      this.run(movePlacementCommand, { id: this.selected, dx, dy });
    } else if (k === 'Delete' || k === 'Backspace') this.remove();
    else if (k === ']' || k === '}') this.reorder(e.shiftKey ? 'front' : 'forward');
    else if (k === '[' || k === '{') this.reorder(e.shiftKey ? 'back' : 'backward');
    else if (k === 'h' || k === 'H') this.flip();
    else return false;
    e.preventDefault();
    return true;
  }

  async render(): Promise<void> {
    await this.startJob(`/api/projects/${this.projectId}/brief/photos/${this.photoId}/staging/render`, undefined);
  }

  async stageWithProvider(prompt: string): Promise<void> {
    await this.startJob(`/api/projects/${this.projectId}/brief/photos/${this.photoId}/staging/provider`, prompt.trim() ? { prompt: prompt.trim() } : {});
  }

  private async startJob(url: string, body: unknown): Promise<void> {
    try {
      this.job = await apiJson<JobJson>(url, { method: 'POST', body });
      this.message = null;
      this.follow(this.job.id);
    } catch (e) {
      this.message = messageOf(e);
    }
  }

  /** Polls the job until it ends (the staged copy then shows through the brief photo's stagedAssetId). */
  private follow(id: string): void {
    const tick = async () => {
      try {
        const job = await apiJson<JobJson>(`/api/jobs/${id}`);
        this.job = job;
        if (job.status === 'failed') this.message = job.error ?? 'The staging job failed.';
        if (!isFinished(job.status)) timer = setTimeout(tick, 1000);
      } catch (e) {
        this.message = messageOf(e);
      }
    };
    let timer = setTimeout(tick, 500);
    this.#stop.push(() => clearTimeout(timer));
  }

  private share(): void {
    if (this.#publishTimer) return;
    this.#publishTimer = setTimeout(() => {
      this.#publishTimer = undefined;
      this.session.provider.awareness.setLocalStateField('staging', { photoId: this.photoId, placementId: this.selected });
    }, PUBLISH_MS);
  }

  destroy(): void {
    clearTimeout(this.#publishTimer);
    for (const stop of this.#stop) stop();
    this.session.provider.awareness.setLocalStateField('staging', null);
  }
}
