import { trimClip } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const trimClipCommand = timelineCommand<{ clipId: string; edge: 'start' | 'end'; time: number; ripple?: boolean }>({
  name: 'timeline.trimClip',
  label: 'Trim clip',
  operate: (s, args, opts) => trimClip(s, args, opts)
});
