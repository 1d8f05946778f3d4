import { setSettings } from '../../model/timeline/operations';
import type { TimelineSettings } from '../../model/timeline/snapshot';
import { timelineCommand } from './timeline-command';

/** A custom frame size or frame rate. */
export const setTimelineSettingsCommand = timelineCommand<Partial<TimelineSettings>>({
  name: 'timeline.setSettings',
  label: 'Timeline settings',
  operate: (s, args, opts) => setSettings(s, args, opts)
});
