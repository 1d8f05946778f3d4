import fs from 'node:fs/promises';
import path from 'node:path';
import { newId } from '$lib/editor/model/ids';
import { canEdit } from '$lib/editor/model/role';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { Occurrences } from '$lib/editor/model/schedule/occurrences';
import type { PodcastCategory, PodcastEpisodeJson, PodcastJson, RecordingsJson } from '$lib/podcast';
import type { AssetRepository } from '../asset/asset.repository';
import { slugSchema } from '../channel/channel.schema';
import type { ChannelService } from '../channel/channel.service';
import { isUniqueViolation } from '../channel/channel.repository';
import type { ChannelRow, PodcastEpisodeRow, PodcastRow, UserRow } from '../db/schema';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../http/api-error';
import type { Logger } from '../log';
import type { ProjectService } from '../project/project.service';
import type { BlobStorage } from '../storage/storage';
import type { DocRegistry } from '../yjs/doc-registry';
import { audioDuration, cutRecording, squareArtwork, type Chapter } from './episode-media';
import { renderFeed } from './podcast-feed';
import type { PodcastRepository } from './podcast.repository';
import type { CreateEpisodeInput, CreatePodcastInput, UpdateEpisodeInput, UpdatePodcastInput } from './podcast.schema';
import type { RecordingFiles } from './recording-files';

/** Podcasting 2.0 chapters (https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/examples/chapters/jsonChapters.md). */
export interface ChaptersFile {
  version: '1.2.0';
  chapters: Chapter[];
}

const EXT: Record<string, string> = { 'audio/mp4': 'm4a', 'audio/mpeg': 'mp3' };

/**
 * Podcasts of a channel: the feed's settings and artwork, episodes cut from the channel's recordings (chapters from
 * the play log) or copied from library audio, and the public feed. Visibility: a podcast, its feed and its files are
 * public once the podcast is published, whatever the channel's visibility (publishing is the owner's decision to
 * share); before that only members of the project read them. Episodes count once published and their date has come.
 */
export class PodcastService {
  constructor(
    private readonly repo: PodcastRepository,
    private readonly channels: ChannelService,
    private readonly projects: ProjectService,
    private readonly assets: AssetRepository,
    private readonly storage: BlobStorage,
    private readonly docs: DocRegistry,
    readonly recordings: RecordingFiles,
    private readonly dir: string,
    /** ORIGIN: the public URL feeds name; without it, the origin each request came to. */
    private readonly configuredOrigin: string | undefined,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {
    // The rows go with the channel (cascade); its podcasts' files go here.
    channels.onEvent((e) => {
      if (e.type === 'deleted') void fs.rm(path.join(this.dir, e.channelId), { recursive: true, force: true }).catch((err) => this.logger.error({ err }, 'podcast files not removed'));
    });
  }

  /** The origin for absolute URLs in feeds and API answers. */
  origin(requestOrigin: string): string {
    return (this.configuredOrigin || requestOrigin).replace(/\/+$/, '');
  }

  /** A podcast's files (artwork, episodes), under its channel's folder so they go when the channel does. */
  private dirOf(podcast: Pick<PodcastRow, 'id' | 'channel_id'>): string {
    return path.join(this.dir, podcast.channel_id, podcast.id);
  }

  // ---- access ----

  private async channelFor(user: UserRow, channelId: string, edit: boolean): Promise<ChannelRow> {
    const channel = /^[a-z2-7]{16}$/.test(channelId) ? await this.channels.findById(channelId) : undefined;
    const role = channel ? await this.projects.roleOf(user.id, channel.project_id) : null;
    if (!channel || !role) throw notFound('No such channel, or you are not a member of its project.');
    if (edit && !canEdit(role)) throw forbidden('Viewers cannot change podcasts: ask the owner for the editor role.');
    return channel;
  }

  private async podcastFor(user: UserRow, podcastId: string, edit: boolean): Promise<{ podcast: PodcastRow; channel: ChannelRow }> {
    const podcast = /^[a-z2-7]{16}$/.test(podcastId) ? await this.repo.findById(podcastId) : undefined;
    if (!podcast) throw notFound('No such podcast, or you are not a member of its project.');
    return { podcast, channel: await this.channelFor(user, podcast.channel_id, edit) };
  }

  private async isMember(user: UserRow | null, channelId: string): Promise<boolean> {
    if (!user) return false;
    const channel = await this.channels.findById(channelId);
    return !!channel && !!(await this.projects.roleOf(user.id, channel.project_id));
  }

  /** The podcast at a public slug: published, or the caller is a member. */
  private async readableBySlug(user: UserRow | null, slug: string): Promise<{ podcast: PodcastRow; member: boolean }> {
    const podcast = await this.repo.findBySlug(slug);
    const member = !!podcast && (await this.isMember(user, podcast.channel_id));
    if (!podcast || (!podcast.published && !member)) throw notFound('No such podcast, or it is not published yet.');
    return { podcast, member };
  }

  // ---- podcasts ----

  async list(user: UserRow, channelId: string, origin: string): Promise<PodcastJson[]> {
    const channel = await this.channelFor(user, channelId, false);
    return (await this.repo.listByChannel(channel.id)).map((p) => this.toJson(p, origin));
  }

  async get(user: UserRow, podcastId: string, origin: string): Promise<PodcastJson> {
    return this.toJson((await this.podcastFor(user, podcastId, false)).podcast, origin);
  }

  async create(user: UserRow, channelId: string, input: CreatePodcastInput, origin: string): Promise<PodcastJson> {
    const channel = await this.channelFor(user, channelId, true);
    const id = newId();
    const t = this.now();
    const slug = input.slug ?? (await this.freeSlug(input.title));
    if (input.slug && (await this.repo.findBySlug(input.slug))) throw slugTaken(input.slug);
    const artworkFile = input.artworkAssetId ? await this.makeArtwork(channel, id, input.artworkAssetId) : null;
    const row: PodcastRow = {
      id,
      channel_id: channel.id,
      slug,
      title: input.title,
      description: input.description,
      author: input.author,
      language: input.language,
      category: input.category,
      explicit: input.explicit ? 1 : 0,
      artwork_asset_id: input.artworkAssetId,
      artwork_file: artworkFile,
      published: input.published ? 1 : 0,
      created_by: user.id,
      created_at: t,
      updated_at: t
    };
    try {
      await this.repo.create(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw slugTaken(slug);
      throw e;
    }
    return this.toJson(row, origin);
  }

  async update(user: UserRow, podcastId: string, patch: UpdatePodcastInput, origin: string): Promise<PodcastJson> {
    const { podcast, channel } = await this.podcastFor(user, podcastId, true);
    if (patch.slug && patch.slug !== podcast.slug && (await this.repo.findBySlug(patch.slug))) throw slugTaken(patch.slug);
    const next: PodcastRow = { ...podcast, updated_at: this.now() };
    if (patch.title !== undefined) next.title = patch.title;
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.author !== undefined) next.author = patch.author;
    if (patch.language !== undefined) next.language = patch.language;
    if (patch.category !== undefined) next.category = patch.category;
    if (patch.explicit !== undefined) next.explicit = patch.explicit ? 1 : 0;
    if (patch.published !== undefined) next.published = patch.published ? 1 : 0;
    if (patch.slug !== undefined) next.slug = patch.slug;
    if (patch.artworkAssetId !== undefined && patch.artworkAssetId !== podcast.artwork_asset_id) {
      next.artwork_asset_id = patch.artworkAssetId;
      next.artwork_file = patch.artworkAssetId ? await this.makeArtwork(channel, podcast.id, patch.artworkAssetId) : null;
    }
    try {
      await this.repo.update(podcast.id, next);
    } catch (e) {
      if (isUniqueViolation(e)) throw slugTaken(next.slug);
      throw e;
    }
    return this.toJson(next, origin);
  }

  async delete(user: UserRow, podcastId: string): Promise<void> {
    const { podcast } = await this.podcastFor(user, podcastId, true);
    await this.repo.delete(podcast.id);
    await fs.rm(this.dirOf(podcast), { recursive: true, force: true });
  }

  /** Squares the library image into the podcast's folder; refuses what is not an image of this project. */
  private async makeArtwork(channel: ChannelRow, podcastId: string, assetId: string): Promise<string> {
    const dir = this.dirOf({ id: podcastId, channel_id: channel.id });
    const asset = await this.assets.findById(assetId);
    if (!asset || asset.project_id !== channel.project_id) throw badRequest('artworkAssetId: no asset with that id in this project\'s library.', 'unknown_asset');
    if (asset.kind !== 'image') throw badRequest(`artworkAssetId: that asset is ${asset.kind === 'audio' ? 'audio' : 'a video'}; the artwork is an image from the library.`, 'not_image');
    await fs.mkdir(dir, { recursive: true });
    const name = `artwork-${assetId}.jpg`;
    try {
      await squareArtwork(await this.storage.localFile(asset.sha256), path.join(dir, name), { width: asset.width ?? 1400, height: asset.height ?? 1400 });
    } catch (e) {
      this.logger.warn({ err: e, assetId }, 'podcast artwork could not be made');
      throw new ApiError(422, 'bad_image', 'That image could not be turned into podcast artwork: upload a JPEG or PNG, ideally square and at least 1400 px.');
    }
    return name;
  }

  private async freeSlug(title: string): Promise<string> {
    const base = title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'podcast';
    const ok = (s: string) => slugSchema.safeParse(s).success;
    let candidate = ok(base) ? base : `${base}-podcast`.replace(/^-+/, '');
    for (let i = 2; (await this.repo.findBySlug(candidate)) || !ok(candidate); i++) {
      if (i > 50) throw conflict('Could not find a free slug for that title: send a slug.', 'slug_taken');
      candidate = `${base.slice(0, 40)}-${i}`;
    }
    return candidate;
  }

  toJson(p: PodcastRow, origin: string): PodcastJson {
    const base = `${origin}/podcasts/${p.slug}`;
    return {
      id: p.id,
      channelId: p.channel_id,
      slug: p.slug,
      title: p.title,
      description: p.description,
      author: p.author,
      language: p.language,
      category: p.category as PodcastCategory,
      explicit: p.explicit === 1,
      artworkAssetId: p.artwork_asset_id,
      artworkUrl: p.artwork_file ? `${base}/artwork.jpg` : null,
      published: p.published === 1,
      feedUrl: `${base}/feed.xml`,
      createdAt: Number(p.created_at),
      updatedAt: Number(p.updated_at)
    };
  }

  // ---- recordings ----

  /** The channel's recordings, and the schedule's shows that aired within them (ready-made episode ranges). */
  async listRecordings(user: UserRow, channelId: string): Promise<RecordingsJson> {
    const channel = await this.channelFor(user, channelId, false);
    const files = await this.recordings.list(channel.id);
    const recordings = files.map((f) => ({ name: f.name, start: f.start, end: f.end, bytes: f.bytes, url: `/api/channels/${channel.id}/recordings/${f.name}` }));
    if (!files.length) return { recordings, shows: [] };
    const doc = await this.docs.copyOf(channel.project_id);
    const blocks = new ProjectDoc(doc).schedule.snapshot().blocks;
    doc.destroy();
    const from = files[0].start;
    const to = files.at(-1)!.end;
    const shows = new Occurrences(blocks)
      .starting(from - 2 * 86_400_000, to)
      .filter((o) => o.end > from && o.start < to)
      .sort((a, b) => a.start - b.start)
      .map((o) => ({ blockId: o.block.id, name: o.block.name, start: o.start, end: o.end, complete: this.recordings.slices(files, o.start, o.end).ok }));
    return { recordings, shows };
  }

  /** A recording file for a member's player. */
  async recordingFile(user: UserRow | null, channelId: string, name: string): Promise<string> {
    if (!user) throw new ApiError(401, 'unauthorized', 'Sign in to listen to recordings.');
    const channel = await this.channelFor(user, channelId, false);
    const file = (await this.recordings.list(channel.id)).find((f) => f.name === name);
    if (!file) throw notFound('No such recording: it may have passed the channel\'s retention.');
    return this.recordings.localFile(file);
  }

  // ---- episodes ----

  async episodes(user: UserRow, podcastId: string, origin: string): Promise<PodcastEpisodeJson[]> {
    const { podcast } = await this.podcastFor(user, podcastId, false);
    return (await this.repo.episodes(podcast.id)).map((e) => this.episodeJson(podcast, e, origin));
  }

  async createEpisode(user: UserRow, podcastId: string, input: CreateEpisodeInput, origin: string): Promise<PodcastEpisodeJson> {
    const { podcast, channel } = await this.podcastFor(user, podcastId, true);
    const id = newId();
    const dir = this.dirOf(podcast);
    await fs.mkdir(dir, { recursive: true });
    const t = this.now();
    let made: Pick<PodcastEpisodeRow, 'file' | 'mime' | 'title' | 'asset_id' | 'range_start' | 'range_end' | 'chapters'>;
    if (input.source === 'recording') {
      const files = await this.recordings.list(channel.id);
      if (!files.length) throw conflict('This channel has no recordings yet: turn recording on in the channel settings and go on air.', 'not_recorded');
      const cut = this.recordings.slices(files, input.start, input.end);
      if (!cut.ok) {
        throw conflict(`The recordings do not cover that range: nothing is recorded from ${new Date(cut.missingFrom).toISOString()}. Pick a range within the recordings listed.`, 'not_recorded');
      }
      const chapters = await this.chaptersFor(channel.id, input.start, input.end);
      const file = `${id}.m4a`;
      await cutRecording(await this.recordings.localSlices(cut.slices), path.join(dir, file), { title: input.title, chapters, total: (input.end - input.start) / 1000 });
      made = { file, mime: 'audio/mp4', title: input.title, asset_id: null, range_start: input.start, range_end: input.end, chapters: chapters.length ? JSON.stringify({ version: '1.2.0', chapters } satisfies ChaptersFile) : null };
    } else {
      const asset = await this.assets.findById(input.assetId);
      if (!asset || asset.project_id !== channel.project_id) throw badRequest('assetId: no asset with that id in this project\'s library.', 'unknown_asset');
      if (asset.kind !== 'audio') throw badRequest(`assetId: that asset is ${asset.kind === 'image' ? 'an image' : 'a video'}; an episode is audio.`, 'not_audio');
      const broadcast = (await this.assets.variants([asset.id])).find((v) => v.name === 'broadcast');
      if (!broadcast) throw conflict('That audio is still being processed (its loudness-normalised copy is not made yet): try again when the library shows it ready.', 'not_ready');
      const file = `${id}.mp3`;
      await fs.copyFile(await this.storage.localFile(broadcast.sha256), path.join(dir, file));
      made = { file, mime: 'audio/mpeg', title: input.title ?? (asset.title || 'Untitled episode'), asset_id: asset.id, range_start: null, range_end: null, chapters: null };
    }
    const full = path.join(dir, made.file);
    const duration = await audioDuration(full);
    if (duration === null) {
      await fs.rm(full, { force: true });
      throw new ApiError(422, 'unreadable', 'The episode file could not be read back; nothing was published.');
    }
    const row: PodcastEpisodeRow = {
      id,
      podcast_id: podcast.id,
      description: input.description,
      source: input.source,
      bytes: (await fs.stat(full)).size,
      duration,
      published: input.published ? 1 : 0,
      publish_at: input.publishAt ?? (input.source === 'recording' ? input.end : t),
      created_by: user.id,
      created_at: t,
      updated_at: t,
      ...made
    };
    await this.repo.createEpisode(row);
    return this.episodeJson(podcast, row, origin);
  }

  async updateEpisode(user: UserRow, podcastId: string, episodeId: string, patch: UpdateEpisodeInput, origin: string): Promise<PodcastEpisodeJson> {
    const { podcast } = await this.podcastFor(user, podcastId, true);
    const episode = await this.repo.findEpisode(podcast.id, episodeId);
    if (!episode) throw notFound('No such episode in this podcast.');
    const next: PodcastEpisodeRow = { ...episode, updated_at: this.now() };
    if (patch.title !== undefined) next.title = patch.title;
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.published !== undefined) next.published = patch.published ? 1 : 0;
    if (patch.publishAt !== undefined) next.publish_at = patch.publishAt;
    await this.repo.updateEpisode(episode.id, next);
    return this.episodeJson(podcast, next, origin);
  }

  async deleteEpisode(user: UserRow, podcastId: string, episodeId: string): Promise<void> {
    const { podcast } = await this.podcastFor(user, podcastId, true);
    const episode = await this.repo.findEpisode(podcast.id, episodeId);
    if (!episode) throw notFound('No such episode in this podcast.');
    await this.repo.deleteEpisode(episode.id);
    await fs.rm(path.join(this.dirOf(podcast), episode.file), { force: true });
  }

  /** One chapter per play that overlaps the range, from where it starts in the episode (0 for one already playing). */
  private async chaptersFor(channelId: string, start: number, end: number): Promise<Chapter[]> {
    const chapters: Chapter[] = [];
    for (const p of await this.repo.playsBetween(channelId, start, end)) {
      const startTime = Math.max(0, Number(p.started_at) - start) / 1000;
      const title = p.artist ? `${p.artist} — ${p.title}` : p.title;
      // Two plays at the same instant (a crossfade's report order) make one chapter: the later one.
      if (chapters.at(-1)?.startTime === startTime) chapters.pop();
      chapters.push({ startTime, title });
    }
    return chapters;
  }

  private episodeJson(podcast: PodcastRow, e: PodcastEpisodeRow, origin: string): PodcastEpisodeJson {
    const base = `${origin}/podcasts/${podcast.slug}/episodes/${e.id}`;
    return {
      id: e.id,
      podcastId: podcast.id,
      title: e.title,
      description: e.description,
      source: e.source,
      assetId: e.asset_id,
      rangeStart: e.range_start === null ? null : Number(e.range_start),
      rangeEnd: e.range_end === null ? null : Number(e.range_end),
      mime: e.mime,
      bytes: Number(e.bytes),
      duration: Number(e.duration),
      chapterCount: e.chapters ? (JSON.parse(e.chapters) as ChaptersFile).chapters.length : 0,
      published: e.published === 1,
      publishAt: Number(e.publish_at),
      url: `${base}.${EXT[e.mime] ?? 'bin'}`,
      chaptersUrl: e.chapters ? `${base}/chapters.json` : null,
      createdAt: Number(e.created_at)
    };
  }

  // ---- the public feed and files ----

  async feed(user: UserRow | null, slug: string, origin: string): Promise<string> {
    const { podcast } = await this.readableBySlug(user, slug);
    const p = this.toJson(podcast, origin);
    const episodes = (await this.repo.episodes(podcast.id, this.now())).map((e) => this.episodeJson(podcast, e, origin));
    return renderFeed(
      {
        title: p.title,
        description: p.description,
        author: p.author,
        language: p.language,
        category: p.category,
        explicit: p.explicit,
        link: `${origin}/s/${(await this.channels.findById(podcast.channel_id))?.slug ?? ''}`,
        feedUrl: p.feedUrl,
        imageUrl: p.artworkUrl,
        guid: `airstudio:podcast:${podcast.id}`
      },
      episodes.map((e) => ({ guid: e.id, title: e.title, description: e.description, publishedAt: e.publishAt, url: e.url, bytes: e.bytes, mime: e.mime, duration: e.duration, chaptersUrl: e.chaptersUrl })),
      this.now()
    );
  }

  async artworkFile(user: UserRow | null, slug: string): Promise<string> {
    const { podcast } = await this.readableBySlug(user, slug);
    if (!podcast.artwork_file) throw notFound('This podcast has no artwork yet.');
    return path.join(this.dirOf(podcast), podcast.artwork_file);
  }

  /** An episode's file or chapters: public once both the podcast and the episode are published. */
  private async visibleEpisode(user: UserRow | null, slug: string, episodeId: string): Promise<{ podcast: PodcastRow; episode: PodcastEpisodeRow }> {
    const { podcast, member } = await this.readableBySlug(user, slug);
    const episode = await this.repo.findEpisode(podcast.id, episodeId);
    if (!episode || (!member && (episode.published !== 1 || Number(episode.publish_at) > this.now()))) throw notFound('No such episode, or it is not published.');
    return { podcast, episode };
  }

  async episodeFile(user: UserRow | null, slug: string, episodeId: string, ext: string): Promise<{ file: string; mime: string }> {
    const { podcast, episode } = await this.visibleEpisode(user, slug, episodeId);
    if (EXT[episode.mime] !== ext) throw notFound(`This episode is .${EXT[episode.mime]}.`);
    return { file: path.join(this.dirOf(podcast), episode.file), mime: episode.mime };
  }

  async chapters(user: UserRow | null, slug: string, episodeId: string): Promise<string> {
    const { episode } = await this.visibleEpisode(user, slug, episodeId);
    if (!episode.chapters) throw notFound('This episode has no chapters.');
    return episode.chapters;
  }
}

const slugTaken = (slug: string) => conflict(`The slug "${slug}" is taken by another podcast: pick another.`, 'slug_taken');
