import { apiJson, messageOf } from '$lib/api-client';
import { runCommand } from '$lib/editor/commands/command';
import { insertListingCutCommand } from '$lib/editor/commands/timeline/insert-listing-cut';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import type { JobJson } from '$lib/job';
import { defaultListingVariants, LISTING_ASPECTS, LISTING_PHOTO_SECONDS, type ListingAspect, type ListingRenderResult, type ListingVariant } from '$lib/listing-video';

const POLL_MS = 1000;

/** The brief's "Listing video" panel: which variants, which music, go; then the job's progress and its videos. */
export class ListingVideoPanel {
  open = $state(false);
  variants = $state<ListingVariant[]>([]);
  musicAssetId = $state<string | null>(null);
  photoSeconds = $state<number>(LISTING_PHOTO_SECONDS.default);
  busy = $state(false);
  error = $state<string | null>(null);
  job = $state<JobJson | null>(null);
  /** While the cut written from here is still in the timeline (an undo takes it out, and the button comes back). */
  inTimeline = $state(false);
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The clips "Open in timeline" wrote. */
  private placed: string[] = [];
  private readonly unobserve: () => void;

  constructor(
    private readonly session: ProjectSession,
    private readonly projectId: string
  ) {
    const clips = session.project.timeline.clips;
    this.unobserve = session.project.timeline.observe(() => (this.inTimeline = this.placed.some((id) => clips.has(id))));
  }

  get result(): ListingRenderResult | null {
    return this.job?.status === 'succeeded' ? (this.job.result as ListingRenderResult) : null;
  }

  /** Opens with the defaults the listing calls for (MLS-unbranded: every shape unbranded). */
  show(mlsUnbranded: boolean): void {
    if (!this.open) this.variants = defaultListingVariants(mlsUnbranded);
    this.open = true;
  }

  has(aspect: ListingAspect, branded: boolean): boolean {
    return this.variants.some((v) => v.aspect === aspect && v.branded === branded);
  }

  toggle(aspect: ListingAspect, branded: boolean): void {
    this.variants = this.has(aspect, branded)
      ? this.variants.filter((v) => !(v.aspect === aspect && v.branded === branded))
      : [...this.variants, { aspect, branded }].sort((a, b) => LISTING_ASPECTS.indexOf(a.aspect) - LISTING_ASPECTS.indexOf(b.aspect));
  }

  async start(): Promise<void> {
    this.busy = true;
    this.error = null;
    this.job = null;
    this.inTimeline = false;
    this.placed = [];
    clearTimeout(this.timer);
    try {
      // The studio writes the timeline itself ("Open in timeline"), as one step of the user's undo.
      this.job = await apiJson<JobJson>(`/api/projects/${this.projectId}/brief/video`, {
        method: 'POST',
        body: { variants: this.variants, musicAssetId: this.musicAssetId, photoSeconds: this.photoSeconds, timeline: false }
      });
      this.timer = setTimeout(() => this.follow(), POLL_MS);
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.busy = false;
    }
  }

  private async follow(): Promise<void> {
    if (!this.job) return;
    try {
      this.job = await apiJson<JobJson>(`/api/jobs/${this.job.id}`);
      if (['succeeded', 'failed', 'canceled'].includes(this.job.status)) return;
    } catch {
      // Offline for a moment: try again.
    }
    this.timer = setTimeout(() => this.follow(), POLL_MS);
  }

  openInTimeline(): boolean {
    const cut = this.result?.cut;
    if (!cut) return false;
    const clips = this.session.project.timeline.clips;
    const before = new Set(clips.ymap.keys());
    const ran = runCommand(insertListingCutCommand, this.session.context, cut);
    this.placed = [...clips.ymap.keys()].filter((id) => !before.has(id));
    if (ran) this.inTimeline = this.placed.length > 0;
    else this.error = 'The cut could not be written into the timeline (viewers cannot edit it).';
    return ran;
  }

  destroy(): void {
    clearTimeout(this.timer);
    this.unobserve();
  }
}
