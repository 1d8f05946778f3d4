import { insertClip } from '../../model/timeline/operations';
import type { ClipSnapshot } from '../../model/timeline/snapshot';
import { timelineCommand } from './timeline-command';

/** Drop a library asset or a title on a track (`newClip` / `newTitleClip` build the clip). */
export const insertClipCommand = timelineCommand<{ clip: ClipSnapshot; ripple?: boolean }>({
  name: 'timeline.insertClip',
  label: 'Insert clip',
  operate: (s, args, opts) => insertClip(s, args, opts)
});
