import { setTrackDucking } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const setTrackDuckingCommand = timelineCommand<{ trackId: string; byTrackId: string | null; amountDb?: number }>({
  name: 'timeline.setTrackDucking',
  label: 'Duck under voice',
  operate: (s, args, opts) => setTrackDucking(s, args, opts)
});
