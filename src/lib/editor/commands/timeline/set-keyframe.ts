import { setKeyframe } from '../../model/timeline/operations';
import type { Easing, KeyframedProperty } from '../../model/timeline/snapshot';
import { timelineCommand } from './timeline-command';

/** Adds or replaces a keyframe at `t` (seconds from the clip's start). */
export const setKeyframeCommand = timelineCommand<{ clipId: string; property: KeyframedProperty; t: number; value: number; easing?: Easing }>({
  name: 'timeline.setKeyframe',
  label: 'Set keyframe',
  operate: (s, args, opts) => setKeyframe(s, args, opts)
});
