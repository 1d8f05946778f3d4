import { TOOLS } from '../../tool';
import type { AssistantToolName } from './assistant-tools';

/**
 * The assistant's command language, for projects without a language model: one sentence per request, parsed by fixed
 * rules (not understood by a model). Each sentence becomes the same tool call a language model would make.
 */
export const COMMAND_EXAMPLES = [
  'add 3 lofi tracks to Morning Mix',
  'remove Rain Song from Morning Mix',
  'move Breakfast Show to Tuesday 09:00',
  'split at 00:12',
  'trim Intro to 00:05-00:20',
  'add title "Hello" at 00:03',
  'render 1080p',
  'run cleanup on Interview',
  'note kitchen: remove the fridge magnets',
  'help'
] as const;

export const COMMAND_HELP = `I understand these sentences (command language — no language model is configured):\n${COMMAND_EXAMPLES.map((e) => `• ${e}`).join('\n')}\nTimes are mm:ss, h:mm:ss or seconds (12s). Tools: ${TOOLS.join(', ')}.`;

export type ParsedCommand = { kind: 'call'; tool: AssistantToolName; args: Record<string, unknown> } | { kind: 'help'; text: string } | { kind: 'unknown'; text: string };

const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12, twenty: 20 };
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const TIME = String.raw`(\d+(?::\d{1,2}){0,2}(?:\.\d+)?s?|\d+m(?:\d+(?:\.\d+)?s)?)`;
const QUOTED = String.raw`["“”'‘’]`;

/** Reads one sentence; `unknown` explains what was not understood and lists examples. */
export function parseCommand(input: string): ParsedCommand {
  const text = input.trim().replace(/\s+/g, ' ').replace(/[.!]$/, '');
  const lower = text.toLowerCase();
  if (!text || /^(help|\?|what can you do\??|commands)$/.test(lower)) return { kind: 'help', text: COMMAND_HELP };

  let m = text.match(new RegExp(String.raw`^(?:add|insert|put) (?:a )?title ${QUOTED}(.+?)${QUOTED} at ${TIME}(?: for ${TIME})?$`, 'i'));
  if (m) {
    const at = parseTime(m[2]);
    const duration = m[3] === undefined ? undefined : parseTime(m[3]);
    if (at === null || duration === null) return badTime(text);
    return call('add_title', { text: m[1], at, ...(duration === undefined ? {} : { duration }) });
  }

  m = text.match(/^(?:add )?(?:a )?(?:brief |staging )?note (?:on |for |to )?(?:the )?(?:photos? )?(?:#|number )?(.+?): ?(.+)$/i);
  if (m) return call('brief_note', { photos: m[1].trim(), note: m[2].trim() });

  m = text.match(/^(?:add|queue|put) (?:(\d+|[a-z]+) )?(.*?) ?(?:tracks?|songs?|items?|files?|clips?)? (?:to|into|in|on) (?:the )?(?:playlist )?(.+?)(?: playlist)?$/i);
  if (m) {
    const countWord = m[1]?.toLowerCase();
    let query = m[2] ?? '';
    let count: number | undefined = countWord === undefined ? 1 : /^\d+$/.test(countWord) ? Number(countWord) : NUMBER_WORDS[countWord];
    // "add lofi to X": the first word was the search, not a count.
    if (count === undefined && countWord) {
      query = `${countWord} ${query}`.trim();
      count = 1;
    }
    return call('add_to_playlist', { playlist: unquote(m[3]), query: unquote(query.replace(/^(?:some|more) /i, '')), count });
  }

  m = text.match(/^(?:remove|delete|take) (.+?) (?:out )?(?:from|of) (?:the )?(?:playlist )?(.+?)(?: playlist)?$/i);
  if (m) return call('remove_from_playlist', { query: unquote(m[1]), playlist: unquote(m[2]) });

  m = text.match(new RegExp(String.raw`^(?:move|reschedule) (?:the )?(?:show )?(.+?) to (${DAYS.join('|')})s?(?: at)? (\d{1,2})(?::(\d{2}))? ?(am|pm)?$`, 'i'));
  if (m) {
    let hour = Number(m[3]);
    const minute = Number(m[4] ?? 0);
    const half = m[5]?.toLowerCase();
    if (half === 'pm' && hour < 12) hour += 12;
    if (half === 'am' && hour === 12) hour = 0;
    return call('move_show', { show: unquote(m[1]), day: m[2].toLowerCase(), time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}` });
  }

  m = text.match(new RegExp(String.raw`^(?:split|cut)(?: (?:the )?clips?)? at ${TIME}$`, 'i'));
  if (m) {
    const time = parseTime(m[1]);
    return time === null ? badTime(text) : call('split_at', { time });
  }

  m = text.match(new RegExp(String.raw`^trim (.+?) to ${TIME} ?(?:-|–|—|to) ?${TIME}$`, 'i'));
  if (m) {
    const start = parseTime(m[2]);
    const end = parseTime(m[3]);
    if (start === null || end === null) return badTime(text);
    return call('trim_clip', { clip: unquote(m[1]), start, end });
  }

  m = text.match(/^render(?: (?:the )?(?:timeline|cut|video))?(?: (?:at|in) )? ?(1080p|720p|480p)?$/i);
  if (m) return call('render', { resolution: (m[1] ?? '1080p').toLowerCase() });

  m = text.match(/^(?:run|start) (?:the )?([a-z ]+?)(?: tool)? on (.+)$/i);
  if (m) {
    const tool = m[1].toLowerCase().replace(/\s+/g, '');
    if (!(TOOLS as readonly string[]).includes(tool)) return { kind: 'unknown', text: `There is no tool "${m[1]}". Tools: ${TOOLS.join(', ')}.` };
    return call('run_tool', { tool, asset: unquote(m[2]) });
  }

  return { kind: 'unknown', text: `I did not understand "${text.slice(0, 200)}". ${COMMAND_HELP}` };
}

/** "00:12", "1:02:03", "12s", "12.5", "1m30s" → seconds, or null. */
export function parseTime(text: string): number | null {
  const t = text.trim().toLowerCase();
  let m = t.match(/^(\d+)m(?:(\d+(?:\.\d+)?)s)?$/);
  if (m) return Number(m[1]) * 60 + Number(m[2] ?? 0);
  m = t.match(/^(\d+(?:\.\d+)?)s?$/);
  if (m) return Number(m[1]);
  const parts = t.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p, i) => (i === parts.length - 1 ? /^\d{1,2}(\.\d+)?$/ : /^\d+$/).test(p))) return null;
  const nums = parts.map(Number);
  if (nums.slice(1).some((n) => n >= 60)) return null;
  return nums.reduce((acc, n) => acc * 60 + n, 0);
}

const call = (tool: AssistantToolName, args: Record<string, unknown>): ParsedCommand => ({ kind: 'call', tool, args });
const badTime = (text: string): ParsedCommand => ({ kind: 'unknown', text: `A time in "${text.slice(0, 200)}" is not one I read: write mm:ss (00:12), h:mm:ss or seconds (12s).` });
const unquote = (s: string) => s.trim().replace(new RegExp(`^${QUOTED}(.*)${QUOTED}$`), '$1');
