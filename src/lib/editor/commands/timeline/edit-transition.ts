import { editTransition } from '../../model/timeline/operations';
import type { TransitionKind } from '../../model/timeline/snapshot';
import { timelineCommand } from './timeline-command';

export const editTransitionCommand = timelineCommand<{ id: string; kind?: TransitionKind; duration?: number }>({
  name: 'timeline.editTransition',
  label: 'Edit transition',
  operate: (s, args, opts) => editTransition(s, args, opts)
});
