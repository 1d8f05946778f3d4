import { newId } from '$lib/editor/model/ids';
import type { Role } from '$lib/editor/model/role';
import { CHAT_HISTORY, CHAT_MAX_LENGTH, type ChatMessageView, type ChatRole, type ChatYou } from '$lib/channel';
import type { ChannelRow, ChatMessageRow } from '../db/schema';
import type { UserRepository } from '../auth/user.repository';
import { generateSecret } from '../auth/secret';
import type { ChannelService } from '../channel/channel.service';
import type { ProjectService } from '../project/project.service';
import type { ChatIdentity, ChatRepository } from './chat.repository';
import type { ChatRateLimiter } from './chat-rate-limiter';

/** A refusal the chat client shows as is. */
export class ChatError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

/** One joined connection: who it is in which channel. */
export interface Participant extends ChatIdentity {
  connectionId: string;
  channelId: string;
  projectId: string;
  name: string;
  role: ChatRole;
  moderator: boolean;
}

export interface JoinInput {
  slug: string;
  guestId?: string;
  nickname?: string;
}

const RESERVED_NAMES = new Set(['admin', 'administrator', 'airstudio', 'dj', 'host', 'mod', 'moderator', 'moderators', 'owner', 'server', 'staff', 'station', 'system']);
const RANK: Record<ChatRole, number> = { owner: 3, editor: 2, viewer: 1, user: 0, guest: 0 };
const GUEST_ID = /^[a-z2-7]{20,64}$/;
// Control and formatting characters (bidi overrides, zero-width) that could garble or disguise text.
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
/** Longer input is refused before any work is spent on it. */
const MAX_RAW = 10 * CHAT_MAX_LENGTH;

export const toMessageView = (m: ChatMessageRow): ChatMessageView => ({ id: m.id, name: m.name, role: m.role, body: m.body, at: new Date(m.created_at).toISOString() });

/** Plain text only: control characters go, whitespace runs become one space, ends are trimmed. */
export function cleanText(raw: string): string {
  return raw.replace(/[\r\n\t]+/g, ' ').replace(CONTROL, '').replace(/ {2,}/g, ' ').trim();
}

/** The live chat of public stream pages: guests and signed-in users post, project members moderate. */
export class ChatService {
  constructor(
    private readonly chat: ChatRepository,
    private readonly channels: ChannelService,
    private readonly projects: ProjectService,
    private readonly users: UserRepository,
    private readonly limiter: ChatRateLimiter,
    /** Addresses are kept only as keyed hashes (enough to match bans). */
    readonly hashIp: (ip: string) => string,
    private readonly now: () => number = Date.now
  ) {}

  async join(connectionId: string, userId: string | null, ipHash: string, input: JoinInput): Promise<{ participant: Participant; you: ChatYou; history: ChatMessageView[]; slowModeSeconds: number; channelName: string }> {
    const channel = await this.channels.findBySlugFor(userId, input.slug);
    if (!channel) throw new ChatError('not_found', 'No such channel.');
    if (channel.chat_enabled !== 1) throw new ChatError('chat_disabled', 'The chat of this channel is off.');
    let participant: Participant;
    if (userId) {
      const user = await this.users.findById(userId);
      if (!user) throw new ChatError('unauthorized', 'Your account is gone: sign in again.');
      const role: Role | null = await this.projects.roleOf(userId, channel.project_id);
      participant = { connectionId, channelId: channel.id, projectId: channel.project_id, userId, guestId: null, ipHash, name: user.display_name || user.username, role: role ?? 'user', moderator: role !== null };
    } else {
      const guestId = typeof input.guestId === 'string' && GUEST_ID.test(input.guestId) ? input.guestId : generateSecret();
      const name = input.nickname === undefined ? `Guest ${guestId.slice(-4)}` : await this.checkNickname(channel, input.nickname);
      participant = { connectionId, channelId: channel.id, projectId: channel.project_id, userId: null, guestId, ipHash, name, role: 'guest', moderator: false };
    }
    const restrictions = await this.chat.active(channel.id, participant, this.now());
    const you: ChatYou = {
      name: participant.name,
      role: participant.role,
      moderator: participant.moderator,
      muted: restrictions.some((r) => r.kind === 'mute'),
      banned: restrictions.some((r) => r.kind === 'ban'),
      guestId: participant.guestId
    };
    const history = (await this.chat.recent(channel.id, CHAT_HISTORY)).map(toMessageView);
    return { participant, you, history, slowModeSeconds: channel.slow_mode_seconds, channelName: channel.name };
  }

  async send(p: Participant, raw: unknown): Promise<ChatMessageView> {
    if (typeof raw !== 'string') throw new ChatError('bad_request', 'chat:send takes {body: "your message"}.');
    if (raw.length > MAX_RAW) throw tooLong();
    const body = cleanText(raw);
    if (!body) throw new ChatError('bad_request', 'Write something first.');
    if ([...body].length > CHAT_MAX_LENGTH) throw tooLong();
    const wait = await this.limiter.consume(p.connectionId, p.ipHash);
    if (wait > 0) throw new ChatError('rate_limited', `You are sending too fast: wait ${Math.ceil(wait)} s.`);
    const t = this.now();
    const restrictions = await this.chat.active(p.channelId, p, t);
    if (restrictions.some((r) => r.kind === 'ban')) throw new ChatError('banned', 'You are banned from this chat.');
    const mute = restrictions.filter((r) => r.kind === 'mute').sort((a, b) => (b.until ?? Infinity) - (a.until ?? Infinity))[0];
    if (mute) throw new ChatError('muted', mute.until === null ? 'You are muted in this chat.' : `You are muted for ${remaining(mute.until - t)}.`);
    if (!p.moderator) {
      const channel = await this.channels.findById(p.channelId);
      if (!channel || channel.chat_enabled !== 1) throw new ChatError('chat_disabled', 'The chat of this channel is off.');
      const slow = channel.slow_mode_seconds;
      const last = slow > 0 ? await this.chat.lastPostAt(p.channelId, p) : null;
      if (last !== null && t - last < slow * 1000) {
        throw new ChatError('slow_mode', `Slow mode: one message every ${slow} s (wait ${Math.ceil((slow * 1000 - (t - last)) / 1000)} s).`);
      }
    }
    const row: ChatMessageRow = {
      id: newId(),
      channel_id: p.channelId,
      user_id: p.userId,
      guest_id: p.guestId,
      ip_hash: p.ipHash,
      name: p.name,
      role: p.role,
      body,
      created_at: t,
      deleted_at: null,
      deleted_by: null
    };
    await this.chat.insertMessage(row);
    return toMessageView(row);
  }

  async deleteMessage(p: Participant, messageId: unknown): Promise<string> {
    const message = await this.moderatedMessage(p, messageId);
    await this.chat.markDeleted(message.id, p.userId!, this.now());
    return message.id;
  }

  /** Mutes or bans whoever wrote the message: the user, or the guest id and its address. */
  async restrict(p: Participant, kind: 'ban' | 'mute', messageId: unknown, seconds: unknown): Promise<{ until: number | null; target: ChatIdentity }> {
    if (seconds !== undefined && seconds !== null && (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 366 * 86400)) {
      throw new ChatError('bad_request', 'seconds is a whole number from 1 to 31622400.');
    }
    if (kind === 'mute' && typeof seconds !== 'number') throw new ChatError('bad_request', 'A mute needs a duration in seconds.');
    const message = await this.moderatedMessage(p, messageId);
    if (RANK[message.role] >= RANK[p.role] || message.user_id === p.userId) {
      throw new ChatError('forbidden', 'You can only mute or ban people below your role (ask the owner to remove a member).');
    }
    const t = this.now();
    const until = typeof seconds === 'number' ? t + seconds * 1000 : null;
    const target: ChatIdentity = message.user_id ? { userId: message.user_id, guestId: null, ipHash: message.ip_hash } : { userId: null, guestId: message.guest_id, ipHash: message.ip_hash };
    await this.chat.addBan({
      id: newId(),
      channel_id: p.channelId,
      kind,
      user_id: target.userId,
      guest_id: target.guestId,
      // Members are matched by account only, so a ban cannot catch others behind the same address.
      ip_hash: target.userId ? null : target.ipHash,
      until,
      created_by: p.userId,
      created_at: t
    });
    return { until, target };
  }

  async setSlowMode(p: Participant, seconds: unknown): Promise<number> {
    if (!p.moderator) throw new ChatError('forbidden', 'Only moderators (project members) set slow mode.');
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
      throw new ChatError('bad_request', 'Slow mode is a whole number of seconds from 0 (off) to 3600.');
    }
    await this.channels.setSlowMode(p.channelId, seconds);
    return seconds;
  }

  private async moderatedMessage(p: Participant, messageId: unknown): Promise<ChatMessageRow> {
    if (!p.moderator) throw new ChatError('forbidden', 'Only moderators (project members) can do that.');
    if (typeof messageId !== 'string' || messageId.length > 64) throw new ChatError('bad_request', 'Send the messageId of a message.');
    const message = await this.chat.findMessage(messageId);
    if (!message || message.channel_id !== p.channelId) throw new ChatError('not_found', 'No such message in this chat.');
    return message;
  }

  private async checkNickname(channel: ChannelRow, raw: unknown): Promise<string> {
    if (typeof raw !== 'string') throw new ChatError('bad_request', 'A nickname is text.');
    const name = cleanText(raw.slice(0, 200));
    if ([...name].length < 2 || [...name].length > 32) throw new ChatError('bad_nickname', 'A nickname has 2 to 32 characters.');
    if (!/^[\p{L}\p{N}][\p{L}\p{N} _.'-]*$/u.test(name)) throw new ChatError('bad_nickname', 'A nickname uses letters, digits, spaces and _ . \' -, and starts with a letter or digit.');
    const folded = name.toLowerCase();
    if (RESERVED_NAMES.has(folded) || folded === channel.name.toLowerCase()) throw new ChatError('bad_nickname', `"${name}" is reserved: pick another nickname.`);
    const members = await this.projects.membersOf(channel.project_id);
    if (members.some((m) => m.username.toLowerCase() === folded || m.displayName.toLowerCase() === folded)) {
      throw new ChatError('bad_nickname', `"${name}" is the name of a member of this station: pick another nickname.`);
    }
    return name;
  }
}

const tooLong = () => new ChatError('too_long', `Messages have at most ${CHAT_MAX_LENGTH} characters.`);

function remaining(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s} more second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `${m} more minute${m === 1 ? '' : 's'}`;
}
