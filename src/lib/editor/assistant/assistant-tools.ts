import { z } from 'zod';
import { runCommand, type Command, type CommandContext } from '../commands/command';
import type { RefusingCommand } from '../commands/operation-command';
import { setStagingCommand } from '../commands/brief/set-staging';
import { addPlaylistItemsCommand } from '../commands/playlist/add-playlist-items';
import { removePlaylistItemsCommand } from '../commands/playlist/remove-playlist-items';
import { moveBlockCommand } from '../commands/schedule/move-block';
import { insertTitleCommand } from '../commands/timeline/insert-title';
import { splitClipsCommand } from '../commands/timeline/split-clips';
import { trimClipCommand } from '../commands/timeline/trim-clip';
import { resolveTag } from '../model/brief/photo';
import { ROOM_TYPES } from '../model/brief/snapshot';
import type { StationAssets } from '../model/playlist/snapshot';
import { TOOLS, type ToolName } from '../../tool';

/** What the assistant knows of the library: the studio client lists it from the assets API. */
export interface AssistantAsset {
  id: string;
  kind: string;
  title: string;
  artist: string;
  tags: string[];
  description: string;
  category: string;
  /** Seconds, once processed. */
  duration: number | null;
  approved: boolean;
  ready: boolean;
}

export interface AssistantContext {
  /** With the assistant origin of the person who asked: one undo of theirs takes a tool call back. */
  command: CommandContext;
  projectId: string;
  library: readonly AssistantAsset[];
}

/** A server action the client makes with the asker's own session (renders and media tools are charged to the project). */
export interface AssistantRequest {
  method: 'POST';
  path: string;
  body: Record<string, unknown>;
}

export type ToolOutcome = { ok: true; summary: string; request?: AssistantRequest } | { ok: false; summary: string };

export interface AssistantTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  args: S;
  run(ctx: AssistantContext, args: z.infer<S>): ToolOutcome;
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const RESOLUTIONS = { '1080p': 'mp4-1080p', '720p': 'mp4-720p', '480p': 'mp4-480p' } as const;

const name = (what: string) => z.string().trim().min(1, `${what} is required`).max(200);
const seconds = (what: string) => z.number({ error: `${what} must be a number of seconds` }).finite().min(0, `${what} must be 0 or more`).max(24 * 3600, `${what} must be within 24 hours`);

const tool = <S extends z.ZodType>(t: AssistantTool<S>): AssistantTool<S> => t;

/** The tools the assistant may call, each mapped onto the editor's own commands (or an API the client calls). */
export const ASSISTANT_TOOLS = [
  tool({
    name: 'add_to_playlist',
    description: 'Add library tracks matching a search (title, artist, tag, category or description; empty matches any) to a playlist, by playlist name.',
    args: z.object({ playlist: name('playlist'), query: z.string().trim().max(200).default(''), count: z.number().int().min(1, 'count must be 1 or more').max(50, 'count must be at most 50').default(1) }).strict(),
    run(ctx, { playlist, query, count }) {
      const p = findByName(ctx.command.project.playlists.snapshot().playlists, playlist);
      if (!p) return fail(`There is no playlist "${playlist}".${known(ctx.command.project.playlists.snapshot().playlists.map((x) => x.name))}`);
      const present = new Set(ctx.command.project.playlists.snapshot().items.filter((i) => i.playlistId === p.id).map((i) => i.assetId));
      const matches = searchLibrary(ctx.library, query).filter((a) => (a.kind === 'audio' || a.kind === 'video') && a.approved && a.ready && (a.duration ?? 0) >= 1 && !present.has(a.id));
      if (matches.length === 0) return fail(`No approved, processed track${query ? ` matching "${query}"` : ''} is left to add to ${p.name}.`);
      const picked = matches.slice(0, count);
      const outcome = run(ctx, addPlaylistItemsCommand, { playlistId: p.id, assetIds: picked.map((a) => a.id), assets: stationAssets(picked) });
      if (!outcome.ok) return outcome;
      const short = picked.length < count ? ` (only ${picked.length} matched)` : '';
      return done(`Added ${picked.length} track${picked.length === 1 ? '' : 's'} to ${p.name}${short}: ${picked.map(titleOf).join(', ')}.`);
    }
  }),
  tool({
    name: 'remove_from_playlist',
    description: 'Remove the tracks whose title, artist or tag matches a search from a playlist, by playlist name.',
    args: z.object({ playlist: name('playlist'), query: name('query') }).strict(),
    run(ctx, { playlist, query }) {
      const snap = ctx.command.project.playlists.snapshot();
      const p = findByName(snap.playlists, playlist);
      if (!p) return fail(`There is no playlist "${playlist}".${known(snap.playlists.map((x) => x.name))}`);
      const matching = new Set(searchLibrary(ctx.library, query).map((a) => a.id));
      const items = snap.items.filter((i) => i.playlistId === p.id && matching.has(i.assetId));
      if (items.length === 0) return fail(`Nothing in ${p.name} matches "${query}".`);
      const outcome = run(ctx, removePlaylistItemsCommand, { itemIds: items.map((i) => i.id) });
      return outcome.ok ? done(`Removed ${items.length} item${items.length === 1 ? '' : 's'} matching "${query}" from ${p.name}.`) : outcome;
    }
  }),
  tool({
    name: 'move_show',
    description: 'Move a schedule block (a show, by name) to start on a weekday at a time (HH:MM, 24-hour); its other days move with it.',
    args: z.object({ show: name('show'), day: z.enum(WEEKDAYS, { error: `day must be one of ${WEEKDAYS.join(', ')}` }), time: z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'time must be HH:MM (24-hour)') }).strict(),
    run(ctx, { show, day, time }) {
      const blocks = ctx.command.project.schedule.snapshot().blocks;
      const block = findByName(blocks, show);
      if (!block) return fail(`There is no show "${show}" in the schedule.${known(blocks.map((b) => b.name))}`);
      const first = block.when.weekdays.length ? Math.min(...block.when.weekdays) : null;
      if (first === null) return fail(`${block.name} is scheduled on dates, not weekdays: move it on the calendar.`);
      const [h, m] = time.split(':').map(Number);
      const outcome = run(ctx, moveBlockCommand, { blockId: block.id, startMinute: h * 60 + m, dayShift: WEEKDAYS.indexOf(day) + 1 - first });
      return outcome.ok ? done(`Moved ${block.name} to ${cap(day)} ${time}.`) : outcome;
    }
  }),
  tool({
    name: 'split_at',
    description: 'Split every clip under a timeline time (seconds) on unlocked tracks.',
    args: z.object({ time: seconds('time') }).strict(),
    run(ctx, { time }) {
      const outcome = run(ctx, splitClipsCommand, { time });
      return outcome.ok ? done(`Split at ${clock(time)}.`) : outcome;
    }
  }),
  tool({
    name: 'trim_clip',
    description: 'Trim a timeline clip (by its title text or its media title) so it runs from start to end, in timeline seconds.',
    args: z
      .object({ clip: name('clip'), start: seconds('start'), end: seconds('end') })
      .strict()
      .refine((a) => a.end > a.start, 'end must be after start'),
    run(ctx, { clip, start, end }) {
      const snap = ctx.command.project.timeline.snapshot();
      const titles = new Map(ctx.library.map((a) => [a.id, a.title]));
      const named = snap.clips.map((c) => ({ id: c.id, name: c.title?.text ?? (c.assetId ? (titles.get(c.assetId) ?? '') : '') }));
      const found = findByName(named.filter((c) => c.name), clip);
      if (!found) return fail(`No clip on the timeline is called "${clip}".`);
      // Both edges in one transaction: one undo puts the clip back.
      const refusal = ctx.command.project.transact(ctx.command.origin, () => {
        for (const [edge, time] of [['start', start], ['end', end]] as const) {
          const r = run(ctx, trimClipCommand, { clipId: found.id, edge, time });
          if (!r.ok) return r.summary;
        }
        return null;
      });
      ctx.command.undoManager?.stopCapturing();
      return refusal ? fail(refusal) : done(`Trimmed ${found.name} to ${clock(start)}–${clock(end)}.`);
    }
  }),
  tool({
    name: 'add_title',
    description: 'Add a text title on the timeline at a time (seconds), for a duration (seconds, default 3).',
    args: z.object({ text: z.string().trim().min(1, 'text is required').max(200), at: seconds('at'), duration: z.number().finite().min(0.1).max(600).default(3) }).strict(),
    run(ctx, { text, at, duration }) {
      const outcome = run(ctx, insertTitleCommand, { text, start: at, duration });
      return outcome.ok ? done(`Added the title "${text}" at ${clock(at)}.`) : outcome;
    }
  }),
  tool({
    name: 'brief_note',
    description: `Add a staging note to brief photos: "all", a photo's number in the brief (1 is the first), or a room (${ROOM_TYPES.join(', ')}). The note is appended to each photo's staging notes.`,
    args: z.object({ photos: name('photos'), note: z.string().trim().min(1, 'note is required').max(1000, 'A note has at most 1000 characters.') }).strict(),
    run(ctx, { photos, note }) {
      const all = ctx.command.project.brief.snapshot().photos;
      if (all.length === 0) return fail('The brief has no photos yet: add photos from the library first.');
      const which = photos.trim().toLowerCase();
      const room = which.replace(/s$/, '').replace(/\s+/g, '-');
      const picked = /^\d+$/.test(which)
        ? all.slice(Number(which) - 1, Number(which))
        : which === 'all'
          ? all
          : all.filter((p) => resolveTag(p.room)?.value === room);
      if (picked.length === 0) return fail(`No brief photo is "${photos}": say all, a number from 1 to ${all.length}, or a room (${ROOM_TYPES.join(', ')}).`);
      // One transaction for every photo: one undo takes the note back everywhere.
      const refusal = ctx.command.project.transact(ctx.command.origin, () => {
        for (const p of picked) {
          const r = run(ctx, setStagingCommand, { photoIds: [p.id], patch: { notes: p.staging.notes ? `${p.staging.notes}\n${note}` : note } });
          if (!r.ok) return r.summary;
        }
        return null;
      });
      ctx.command.undoManager?.stopCapturing();
      return refusal ? fail(refusal) : done(`Added the note to ${picked.length} photo${picked.length === 1 ? '' : 's'}.`);
    }
  }),
  tool({
    name: 'render',
    description: 'Render the timeline to an MP4 in the library (paid in credits) at 1080p, 720p or 480p.',
    args: z.object({ resolution: z.enum(['1080p', '720p', '480p'], { error: 'resolution must be 1080p, 720p or 480p' }).default('1080p') }).strict(),
    run(ctx, { resolution }) {
      return { ok: true, summary: `Started a ${resolution} render.`, request: { method: 'POST', path: `/api/projects/${ctx.projectId}/renders`, body: { preset: RESOLUTIONS[resolution] } } };
    }
  }),
  tool({
    name: 'run_tool',
    description: `Run a media tool on a library file (by title): ${TOOLS.join(', ')}. The result is a job; most tools make a new file.`,
    args: z.object({ tool: z.enum(TOOLS, { error: `tool must be one of ${TOOLS.join(', ')}` }), asset: name('asset') }).strict(),
    run(ctx, { tool, asset }) {
      const found = findByName(ctx.library.map((a) => ({ ...a, name: a.title })), asset);
      if (!found) return fail(`No library file is called "${asset}".`);
      return { ok: true, summary: `Started ${tool} on ${found.title}.`, request: { method: 'POST', path: `/api/assets/${found.id}/tools/${tool as ToolName}`, body: {} } };
    }
  })
] as const satisfies readonly AssistantTool<z.ZodType>[];

export type AssistantToolName = (typeof ASSISTANT_TOOLS)[number]['name'];

/** The tools as the OpenAI chat API takes them: name, description, JSON Schema of the arguments. */
export function toolDefinitions(): { name: string; description: string; parameters: Record<string, unknown> }[] {
  return ASSISTANT_TOOLS.map((t) => ({ name: t.name, description: t.description, parameters: z.toJSONSchema(t.args, { io: 'input' }) as Record<string, unknown> }));
}

export type ParsedToolCall = { ok: true; tool: AssistantTool; args: Record<string, unknown> } | { ok: false; error: string };

/** Checks a tool call (from a language model or the command language) against the catalogue: unknown names and bad arguments are refused with a reason. */
export function parseToolCall(name: string, args: unknown): ParsedToolCall {
  const tool = (ASSISTANT_TOOLS as readonly AssistantTool[]).find((t) => t.name === name);
  if (!tool) return { ok: false, error: `The assistant has no tool "${name}".` };
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return { ok: false, error: `The arguments of ${name} are not a JSON object.` };
  const parsed = tool.args.safeParse(args);
  if (!parsed.success) return { ok: false, error: `${name}: ${parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}` };
  return { ok: true, tool, args: parsed.data as Record<string, unknown> };
}

/** Runs one checked tool call: an editor edit is one transaction with the context's (assistant) origin. */
export function runToolCall(ctx: AssistantContext, call: Extract<ParsedToolCall, { ok: true }>): ToolOutcome {
  return call.tool.run(ctx, call.args);
}

/** Library files whose title, artist, tags, category or description contain every word of the query (any file when empty). */
export function searchLibrary(library: readonly AssistantAsset[], query: string): AssistantAsset[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return library.filter((a) => {
    const hay = [a.title, a.artist, a.category, a.description, ...a.tags].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w) || hay.includes(w.replace(/s$/, '')));
  });
}

/** Exact name first (any case), then the one name that starts with or contains it. */
function findByName<T extends { name: string }>(list: readonly T[], wanted: string): T | undefined {
  const w = wanted.trim().toLowerCase();
  return list.find((x) => x.name.toLowerCase() === w) ?? list.find((x) => x.name.toLowerCase().startsWith(w)) ?? list.find((x) => x.name.toLowerCase().includes(w));
}

function run<A>(ctx: AssistantContext, command: RefusingCommand<A> | Command<A>, args: A): ToolOutcome {
  const refusal = 'refusal' in command ? command.refusal(ctx.command, args) : null;
  if (refusal) return fail(refusal);
  if (!runCommand(command, ctx.command, args)) return fail(`${command.label} cannot run now.`);
  // One tool call, one undo step, however quickly the next follows.
  ctx.command.undoManager?.stopCapturing();
  return done('');
}

function stationAssets(list: readonly AssistantAsset[]): StationAssets {
  return Object.fromEntries(list.map((a) => [a.id, { duration: a.duration ?? 0, approved: a.approved, title: a.title, artist: a.artist }]));
}

const done = (summary: string): ToolOutcome => ({ ok: true, summary });
const fail = (summary: string): ToolOutcome => ({ ok: false, summary });
const titleOf = (a: AssistantAsset) => a.title || 'untitled';
const cap = (s: string) => s[0].toUpperCase() + s.slice(1);
const known = (names: string[]) => (names.length ? ` Known: ${names.slice(0, 10).join(', ')}.` : '');

/** Seconds as m:ss (or h:mm:ss), as people say timeline times. */
export function clock(t: number): string {
  const s = Math.round(t * 100) / 100;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = (s % 60).toFixed(s % 1 ? 2 : 0).padStart(s % 1 ? 5 : 2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${String(m).padStart(2, '0')}:${sec}`;
}
