import { setPreset } from '../../model/timeline/operations';
import type { TimelinePreset } from '../../model/timeline/timeline-settings';
import { timelineCommand } from './timeline-command';

/** 16:9, 9:16 or 1:1. */
export const setTimelinePresetCommand = timelineCommand<{ preset: TimelinePreset }>({
  name: 'timeline.setPreset',
  label: 'Frame size',
  operate: (s, args, opts) => setPreset(s, args, opts)
});
