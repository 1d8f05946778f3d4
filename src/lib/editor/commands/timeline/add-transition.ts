import { addTransition } from '../../model/timeline/operations';
import type { TransitionKind } from '../../model/timeline/snapshot';
import { timelineCommand } from './timeline-command';

export const addTransitionCommand = timelineCommand<{ fromClipId: string; toClipId?: string; kind?: TransitionKind; duration?: number }>({
  name: 'timeline.addTransition',
  label: 'Add transition',
  operate: (s, args, opts) => addTransition(s, args, opts)
});
