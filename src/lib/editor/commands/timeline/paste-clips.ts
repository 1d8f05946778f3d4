import { pasteClips, type TimelineClipboard } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** Mod+V: paste what `copyClips` put on the clipboard at `start` (default: the playhead), lowest copied track on `trackId`. */
export const pasteClipsCommand = timelineCommand<{ clipboard: TimelineClipboard; trackId: string; start?: number; ripple?: boolean }>({
  name: 'timeline.pasteClips',
  label: 'Paste',
  keys: ['Mod-v'],
  operate: (s, args, opts) => pasteClips(s, { ...args, start: args.start ?? opts.playhead ?? 0 }, opts)
});
