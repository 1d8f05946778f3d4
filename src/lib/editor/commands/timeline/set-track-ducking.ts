import { setTrackDucking } from '../../model/timeline/operations';
import type { Ducking } from '../../model/timeline/snapshot';
import { timelineCommand } from './timeline-command';

export const setTrackDuckingCommand = timelineCommand<{ trackId: string; byTrackId: string | null } & Partial<Omit<Ducking, 'byTrackId'>>>({
  name: 'timeline.setTrackDucking',
  label: 'Duck under voice',
  operate: (s, args, opts) => setTrackDucking(s, args, opts)
});
