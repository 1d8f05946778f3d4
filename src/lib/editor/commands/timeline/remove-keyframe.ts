import { removeKeyframe } from '../../model/timeline/operations';
import type { KeyframedProperty } from '../../model/timeline/snapshot';
import { timelineCommand } from './timeline-command';

export const removeKeyframeCommand = timelineCommand<{ clipId: string; property: KeyframedProperty; t: number }>({
  name: 'timeline.removeKeyframe',
  label: 'Remove keyframe',
  operate: (s, args, opts) => removeKeyframe(s, args, opts)
});
