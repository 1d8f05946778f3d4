import { applyChanges } from '../../model/timeline/changes';
import { newTitleClip } from '../../model/timeline/clip';
import { addTrack, insertClip } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const DEFAULT_TITLE_TEXT = 'Title';
export const DEFAULT_TITLE_DURATION = 3;

/**
 * T: a title at the playhead on the topmost unlocked title track with room there, else on a new title track; the
 * new track and the title are one change set, so one undo takes both back. Pass `clipId` to know the new clip.
 */
export const insertTitleCommand = timelineCommand<{ clipId?: string; text?: string; duration?: number; start?: number }>({
  name: 'timeline.insertTitle',
  label: 'Add title',
  keys: ['t'],
  operate: (s, args, opts) => {
    const start = Math.max(0, args.start ?? opts.playhead ?? 0);
    const title = (trackId: string) =>
      newTitleClip({ id: args.clipId, trackId, start, duration: args.duration ?? DEFAULT_TITLE_DURATION, text: args.text ?? DEFAULT_TITLE_TEXT });
    for (const track of [...s.tracks].reverse()) {
      if (track.kind !== 'title' || track.locked) continue;
      const placed = insertClip(s, { clip: title(track.id) }, opts);
      if (placed.ok) return placed;
    }
    const track = addTrack(s, { kind: 'title' }, opts);
    if (!track.ok) return track;
    const placed = insertClip(applyChanges(s, track.changes), { clip: title(track.created[0]) }, opts);
    if (!placed.ok) return placed;
    return { ok: true, changes: [...track.changes, ...placed.changes], created: [...track.created, ...placed.created] };
  }
});
