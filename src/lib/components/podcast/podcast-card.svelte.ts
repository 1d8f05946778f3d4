import { apiJson, messageOf } from '$lib/api-client';
import type { AssetJson } from '$lib/asset';
import type { PodcastCategory, PodcastEpisodeJson, PodcastJson, RecordingsJson } from '$lib/podcast';

export interface PodcastDraft {
  title: string;
  description: string;
  author: string;
  language: string;
  category: PodcastCategory;
  explicit: boolean;
  artworkAssetId: string;
  published: boolean;
}

/** A browser datetime-local value (local time, to the second) for an instant, and back. */
export const toLocalInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};
export const fromLocalInput = (value: string) => new Date(value).getTime();

/** The channel page's Podcast card: the channel's podcast, its episodes, the recordings to cut them from, the library. */
export class PodcastCard {
  podcast = $state<PodcastJson | null>(null);
  episodes = $state<PodcastEpisodeJson[]>([]);
  recordings = $state<RecordingsJson>({ recordings: [], shows: [] });
  audio = $state<AssetJson[]>([]);
  images = $state<AssetJson[]>([]);
  loaded = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);

  constructor(
    readonly projectId: string,
    readonly channelId: string
  ) {}

  async load(): Promise<void> {
    try {
      const [podcasts, recordings, library] = await Promise.all([
        apiJson<{ podcasts: PodcastJson[] }>(`/api/channels/${this.channelId}/podcasts`),
        apiJson<RecordingsJson>(`/api/channels/${this.channelId}/recordings`),
        apiJson<{ assets: AssetJson[] }>(`/api/projects/${this.projectId}/assets?limit=200`)
      ]);
      this.podcast = podcasts.podcasts[0] ?? null;
      this.recordings = recordings;
      this.audio = library.assets.filter((a) => a.kind === 'audio' && a.processing.state === 'ready');
      this.images = library.assets.filter((a) => a.kind === 'image');
      if (this.podcast) this.episodes = (await apiJson<{ episodes: PodcastEpisodeJson[] }>(`/api/podcasts/${this.podcast.id}/episodes`)).episodes;
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.loaded = true;
    }
  }

  draft(): PodcastDraft {
    const p = this.podcast;
    return {
      title: p?.title ?? '',
      description: p?.description ?? '',
      author: p?.author ?? '',
      language: p?.language ?? 'en',
      category: p?.category ?? 'Music',
      explicit: p?.explicit ?? false,
      artworkAssetId: p?.artworkAssetId ?? '',
      published: p?.published ?? false
    };
  }

  /** Runs one action, showing its error or its notice. */
  private async act(notice: string, fn: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.notice = null;
    try {
      await fn();
      this.notice = notice;
      return true;
    } catch (e) {
      this.error = messageOf(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  save(d: PodcastDraft): Promise<boolean> {
    const body = { ...d, artworkAssetId: d.artworkAssetId || null };
    const p = this.podcast;
    return this.act(p ? 'Podcast saved.' : 'Podcast created.', async () => {
      this.podcast = p
        ? await apiJson<PodcastJson>(`/api/podcasts/${p.id}`, { method: 'PATCH', body })
        : await apiJson<PodcastJson>(`/api/channels/${this.channelId}/podcasts`, { method: 'POST', body });
    });
  }

  private async addEpisode(body: Record<string, unknown>): Promise<void> {
    const made = await apiJson<PodcastEpisodeJson>(`/api/podcasts/${this.podcast!.id}/episodes`, { method: 'POST', body });
    this.episodes = [made, ...this.episodes].sort((a, b) => b.publishAt - a.publishAt);
  }

  publishRange(start: number, end: number, title: string, description: string): Promise<boolean> {
    return this.act('Episode published from the recordings.', () => this.addEpisode({ source: 'recording', start, end, title, description }));
  }

  publishAsset(assetId: string, title: string, description: string): Promise<boolean> {
    return this.act('Episode published from the library.', () => this.addEpisode({ source: 'asset', assetId, ...(title ? { title } : {}), description }));
  }

  setPublished(e: PodcastEpisodeJson, published: boolean): Promise<boolean> {
    return this.act(published ? 'Episode published.' : 'Episode unpublished: it is out of the feed.', async () => {
      const next = await apiJson<PodcastEpisodeJson>(`/api/podcasts/${this.podcast!.id}/episodes/${e.id}`, { method: 'PATCH', body: { published } });
      this.episodes = this.episodes.map((x) => (x.id === e.id ? next : x));
    });
  }

  remove(e: PodcastEpisodeJson): Promise<boolean> {
    return this.act('Episode deleted.', async () => {
      await apiJson(`/api/podcasts/${this.podcast!.id}/episodes/${e.id}`, { method: 'DELETE' });
      this.episodes = this.episodes.filter((x) => x.id !== e.id);
    });
  }

  async copyFeed(): Promise<void> {
    if (!this.podcast) return;
    try {
      await navigator.clipboard.writeText(this.podcast.feedUrl);
      this.notice = 'Feed URL copied.';
    } catch {
      // Clipboard access needs a secure context: the field stays selectable.
      this.notice = 'Copy the feed URL from the field (your browser did not allow copying).';
    }
  }
}
