import { removeTransition } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const removeTransitionCommand = timelineCommand<{ id: string }>({
  name: 'timeline.removeTransition',
  label: 'Remove transition',
  operate: (s, args, opts) => removeTransition(s, args, opts)
});
