import { generateRandomString, type RandomReader } from '@oslojs/crypto/random';
import { isId, newId } from '$lib/editor/model/ids';
import { canEdit } from '$lib/editor/model/role';
import { RTMP_PRESET_URLS, suggestSlug, type ChannelView, type PublicChannelView } from '$lib/channel';
import type { ChannelRow, UserRow } from '../db/schema';
import { hashSecret, secretMatches } from '../auth/secret';
import { badRequest, conflict, forbidden, notFound } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import { isUniqueViolation, type ChannelRepository } from './channel.repository';
import { slugSchema, storedOutputs, type CreateChannelInput, type OutputsInput, type StoredOutputs, type UpdateChannelInput } from './channel.schema';

const random: RandomReader = { read: (bytes) => crypto.getRandomValues(bytes) };
const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** "••••1234": enough to recognise a secret, never enough to use it (short ones show nothing). */
export function secretHint(secret: string): string {
  return secret.length >= 8 ? `••••${secret.slice(-4)}` : '••••';
}

export type ChannelEvent = { type: 'changed'; channel: ChannelRow } | { type: 'deleted'; channelId: string };

/** A channel and, when just created or rotated, its ingest stream key (shown once). */
export interface ChannelWithKey extends ChannelView {
  streamKey?: string;
}

/** Station channels: owners and editors manage them, project members read them, anyone reads public ones by slug. */
export class ChannelService {
  private listeners = new Set<(e: ChannelEvent) => void>();

  constructor(
    private readonly channels: ChannelRepository,
    private readonly projects: ProjectService,
    private readonly now: () => number = Date.now
  ) {}

  /** The chat follows setting changes (chat off, slow mode) and deletions. */
  onEvent(fn: (e: ChannelEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: ChannelEvent) {
    for (const fn of this.listeners) fn(e);
  }

  async list(user: UserRow, projectId: string): Promise<ChannelView[]> {
    await this.projects.requireRole(user.id, projectId);
    return (await this.channels.listByProject(projectId)).map(toView);
  }

  async create(user: UserRow, projectId: string, input: CreateChannelInput): Promise<ChannelWithKey> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Viewers cannot create channels: ask the owner for the editor role.');
    const slug = input.slug ?? (await this.freeSlug(suggestSlug(input.name)));
    const id = newId();
    const key = newStreamKey(id);
    const t = this.now();
    const row: ChannelRow = {
      id,
      project_id: projectId,
      name: input.name,
      slug,
      kind: input.kind,
      visibility: input.visibility,
      crossfade_seconds: input.crossfadeSeconds ?? 2,
      loudness_target: input.loudnessTarget ?? -16,
      fallback_playlist_id: input.fallbackPlaylistId ?? null,
      outputs: JSON.stringify(mergeOutputs({ icecast: null, rtmp: [] }, input.outputs)),
      requests_enabled: input.requestsEnabled ? 1 : 0,
      request_delay_minutes: input.requestDelayMinutes ?? 0,
      min_repeat_minutes: input.minRepeatMinutes ?? 0,
      chat_enabled: input.chatEnabled === false ? 0 : 1,
      slow_mode_seconds: input.slowModeSeconds ?? 0,
      recording_enabled: input.recordingEnabled ? 1 : 0,
      recording_retention_days: input.recordingRetentionDays ?? 7,
      stream_key_hash: hashSecret(key.secret),
      stream_key_hint: secretHint(key.key),
      created_by: user.id,
      created_at: t,
      updated_at: t
    };
    try {
      await this.channels.create(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw slugTaken(slug);
      throw e;
    }
    return { ...toView(row), streamKey: key.key };
  }

  async get(user: UserRow, channelId: string): Promise<ChannelView> {
    return toView((await this.readable(user, channelId)).channel);
  }

  async update(user: UserRow, channelId: string, patch: UpdateChannelInput): Promise<ChannelView> {
    const channel = await this.manageable(user, channelId);
    const set: Partial<ChannelRow> = { updated_at: this.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.slug !== undefined) set.slug = patch.slug;
    if (patch.kind !== undefined) set.kind = patch.kind;
    if (patch.visibility !== undefined) set.visibility = patch.visibility;
    if (patch.crossfadeSeconds !== undefined) set.crossfade_seconds = patch.crossfadeSeconds;
    if (patch.loudnessTarget !== undefined) set.loudness_target = patch.loudnessTarget;
    if (patch.fallbackPlaylistId !== undefined) set.fallback_playlist_id = patch.fallbackPlaylistId;
    if (patch.outputs !== undefined) set.outputs = JSON.stringify(mergeOutputs(readOutputs(channel), patch.outputs));
    if (patch.requestsEnabled !== undefined) set.requests_enabled = patch.requestsEnabled ? 1 : 0;
    if (patch.requestDelayMinutes !== undefined) set.request_delay_minutes = patch.requestDelayMinutes;
    if (patch.minRepeatMinutes !== undefined) set.min_repeat_minutes = patch.minRepeatMinutes;
    if (patch.chatEnabled !== undefined) set.chat_enabled = patch.chatEnabled ? 1 : 0;
    if (patch.slowModeSeconds !== undefined) set.slow_mode_seconds = patch.slowModeSeconds;
    if (patch.recordingEnabled !== undefined) set.recording_enabled = patch.recordingEnabled ? 1 : 0;
    if (patch.recordingRetentionDays !== undefined) set.recording_retention_days = patch.recordingRetentionDays;
    try {
      await this.channels.update(channelId, set);
    } catch (e) {
      if (isUniqueViolation(e)) throw slugTaken(patch.slug ?? '');
      throw e;
    }
    const updated = { ...channel, ...set };
    this.emit({ type: 'changed', channel: updated });
    return toView(updated);
  }

  async delete(user: UserRow, channelId: string): Promise<void> {
    await this.manageable(user, channelId);
    await this.channels.delete(channelId);
    this.emit({ type: 'deleted', channelId });
  }

  /** A new ingest stream key; the old one stops working at once. */
  async rotateStreamKey(user: UserRow, channelId: string): Promise<ChannelWithKey> {
    const channel = await this.manageable(user, channelId);
    const key = newStreamKey(channelId);
    const set = { stream_key_hash: hashSecret(key.secret), stream_key_hint: secretHint(key.key), updated_at: this.now() };
    await this.channels.update(channelId, set);
    return { ...toView({ ...channel, ...set }), streamKey: key.key };
  }

  /** The channel a live ingest key belongs to, or null (for the RTMP ingest of live takeover). */
  async channelForStreamKey(key: string): Promise<ChannelRow | null> {
    const dot = key.indexOf('.');
    if (dot <= 0 || key.length > 200) return null;
    const channel = await this.channels.findById(key.slice(0, dot));
    return channel && secretMatches(key.slice(dot + 1), channel.stream_key_hash) ? channel : null;
  }

  /** The stream page's view: public channels for anyone, private ones for project members only (404 otherwise). */
  async publicBySlug(user: UserRow | null, slug: string): Promise<PublicChannelView> {
    const channel = await this.findBySlugFor(user?.id ?? null, slug);
    if (!channel) throw notFound('No such channel.');
    return { name: channel.name, slug: channel.slug, kind: channel.kind, chatEnabled: channel.chat_enabled === 1, requestsEnabled: channel.requests_enabled === 1 };
  }

  /** The channel behind a slug if this caller may see it (for the chat): null when unknown, or private to others. */
  async findBySlugFor(userId: string | null, slug: string): Promise<ChannelRow | null> {
    if (!slugSchema.safeParse(slug).success) return null;
    const channel = await this.channels.findBySlug(slug);
    if (!channel) return null;
    if (channel.visibility === 'public') return channel;
    return userId && (await this.projects.roleOf(userId, channel.project_id)) ? channel : null;
  }

  /** Moderators set slow mode from the chat; the caller has checked the role. */
  async setSlowMode(channelId: string, seconds: number): Promise<void> {
    await this.channels.update(channelId, { slow_mode_seconds: seconds, updated_at: this.now() });
    const channel = await this.channels.findById(channelId);
    if (channel) this.emit({ type: 'changed', channel });
  }

  findById(channelId: string): Promise<ChannelRow | undefined> {
    return this.channels.findById(channelId);
  }

  /** The channel and the caller's role in its project; 404 alike for unknown ids and non-members. */
  async readable(user: UserRow, channelId: string) {
    const channel = isId(channelId) ? await this.channels.findById(channelId) : undefined;
    if (!channel) throw notFound('No such channel.');
    const role = await this.projects.roleOf(user.id, channel.project_id);
    // Same answer as for an unknown id, so channel ids cannot be probed.
    if (!role) throw notFound('No such channel, or you are not a member of its project.');
    return { channel, role };
  }

  private async manageable(user: UserRow, channelId: string): Promise<ChannelRow> {
    const { channel, role } = await this.readable(user, channelId);
    if (!canEdit(role)) throw forbidden('Viewers cannot change channels: ask the owner for the editor role.');
    return channel;
  }

  private async freeSlug(base: string): Promise<string> {
    const ok = (s: string) => slugSchema.safeParse(s).success;
    let candidate = ok(base) ? base : `${base.slice(0, 40)}-fm`;
    for (let i = 2; (await this.channels.findBySlug(candidate)) || !ok(candidate); i++) {
      if (i > 50) throw conflict('Could not find a free slug for that name: send a slug.', 'slug_taken');
      candidate = `${base.slice(0, 40)}-${i}`;
    }
    return candidate;
  }
}

function newStreamKey(channelId: string): { key: string; secret: string } {
  const secret = generateRandomString(random, KEY_ALPHABET, 32);
  return { key: `${channelId}.${secret}`, secret };
}

const slugTaken = (slug: string) => conflict(`The slug "${slug}" is taken by another channel: pick another.`, 'slug_taken');

/** The stored outputs with their secrets: for the server and the live job's lease holder only. */
export function readOutputs(channel: ChannelRow): StoredOutputs {
  const parsed = storedOutputs.safeParse(JSON.parse(channel.outputs || '{}'));
  return parsed.success ? parsed.data : { icecast: null, rtmp: [] };
}

/** Applies an outputs update: absent parts stay, empty secrets keep the stored ones, new destinations need theirs. */
function mergeOutputs(current: StoredOutputs, input: OutputsInput | undefined): StoredOutputs {
  if (!input) return current;
  const next: StoredOutputs = { icecast: current.icecast, rtmp: current.rtmp };
  if (input.icecast === null) next.icecast = null;
  else if (input.icecast) {
    const { password, ...rest } = input.icecast;
    next.icecast = { ...rest, password: password || current.icecast?.password || '' };
  }
  if (input.rtmp) {
    next.rtmp = input.rtmp.map((d) => {
      const stored = current.rtmp.find((r) => r.id === d.id);
      const streamKey = d.streamKey || stored?.streamKey;
      if (!streamKey) throw badRequest(`The RTMP destination "${d.name}" needs a stream key.`, 'invalid_input');
      const url = d.url ?? (d.preset === 'custom' ? undefined : RTMP_PRESET_URLS[d.preset]);
      if (!url) throw badRequest(`The RTMP destination "${d.name}" needs a URL (rtmp:// or rtmps://).`, 'invalid_input');
      return { id: stored?.id ?? newId(), name: d.name, preset: d.preset, url, streamKey };
    });
  }
  return next;
}

function toView(c: ChannelRow): ChannelView {
  const outputs = readOutputs(c);
  const iso = (t: number) => new Date(t).toISOString();
  return {
    id: c.id,
    projectId: c.project_id,
    name: c.name,
    slug: c.slug,
    kind: c.kind,
    visibility: c.visibility,
    crossfadeSeconds: c.crossfade_seconds,
    loudnessTarget: c.loudness_target,
    fallbackPlaylistId: c.fallback_playlist_id,
    outputs: {
      hls: { enabled: true },
      icecast: outputs.icecast && {
        host: outputs.icecast.host,
        port: outputs.icecast.port,
        mount: outputs.icecast.mount,
        username: outputs.icecast.username,
        format: outputs.icecast.format,
        bitrate: outputs.icecast.bitrate,
        passwordHint: outputs.icecast.password ? secretHint(outputs.icecast.password) : null
      },
      rtmp: outputs.rtmp.map((r) => ({ id: r.id, name: r.name, preset: r.preset, url: r.url, streamKeyHint: secretHint(r.streamKey) }))
    },
    requestsEnabled: c.requests_enabled === 1,
    requestDelayMinutes: c.request_delay_minutes,
    minRepeatMinutes: c.min_repeat_minutes,
    chatEnabled: c.chat_enabled === 1,
    slowModeSeconds: c.slow_mode_seconds,
    recordingEnabled: c.recording_enabled === 1,
    recordingRetentionDays: c.recording_retention_days,
    streamKeyHint: c.stream_key_hint,
    createdAt: iso(c.created_at),
    updatedAt: iso(c.updated_at)
  };
}
