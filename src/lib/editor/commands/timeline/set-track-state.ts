import { setTrackState } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** The mute, solo, lock and hide toggles of a track header. */
export const setTrackStateCommand = timelineCommand<{ trackId: string; muted?: boolean; solo?: boolean; locked?: boolean; hidden?: boolean }>({
  name: 'timeline.setTrackState',
  label: 'Track mute, solo, lock, hide',
  operate: (s, args, opts) => setTrackState(s, args, opts)
});
