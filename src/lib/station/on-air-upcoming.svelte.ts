import { apiJson, messageOf } from '$lib/api-client';
import type { ChannelView } from '$lib/channel';
import { introItemKey, type DjIntroView } from '$lib/dj';
import type { UpcomingItem, UpcomingView } from '$lib/live';
import { DjIntros } from '$lib/components/dj/dj-intros.svelte';

/** How often the plans and intros are read again while the schedule is open (items start, intros are voiced). */
const REFRESH_MS = 5000;
const UPCOMING_COUNT = 12;

/** One channel's next items as it will air them, with the DJ's intros (the same state the DJ card edits them with). */
export class ChannelUpcoming {
  view = $state.raw<UpcomingView | null>(null);
  readonly intros: DjIntros;

  constructor(readonly channel: ChannelView) {
    this.intros = new DjIntros(channel.id);
  }

  async load(): Promise<void> {
    this.view = await apiJson<UpcomingView>(`/api/channels/${this.channel.id}/upcoming?count=${UPCOMING_COUNT}`);
    if (this.view.onAir) await this.intros.load();
  }

  /** The intro voiced over this item, if the DJ has one for it. */
  introFor(item: UpcomingItem): DjIntroView | undefined {
    const key = introItemKey(item);
    return this.intros.intros.find((i) => i.itemKey === key);
  }
}

/** The schedule view's "Upcoming on air": every channel of the project, what it airs next and the intros over it. */
export class OnAirUpcoming {
  channels = $state.raw<ChannelUpcoming[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(readonly projectId: string) {}

  async load(): Promise<void> {
    try {
      const { channels } = await apiJson<{ channels: ChannelView[] }>(`/api/projects/${this.projectId}/channels`);
      const known = new Map(this.channels.map((c) => [c.channel.id, c]));
      this.channels = channels.map((c) => known.get(c.id) ?? new ChannelUpcoming(c));
      await this.refresh();
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.loaded = true;
    }
    this.timer ??= setInterval(() => void this.refresh(), REFRESH_MS);
  }

  private async refresh(): Promise<void> {
    const failed: string[] = [];
    await Promise.all(this.channels.map((c) => c.load().catch((e) => failed.push(`${c.channel.name}: ${messageOf(e)}`))));
    this.error = failed.length ? `Could not read what is on air next (${failed.join('; ')}).` : null;
  }

  destroy(): void {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.channels) c.intros.destroy();
  }
}
