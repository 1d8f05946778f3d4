import { addSceneMarkers } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** Scene detection's cuts in a clip's source as markers on the timeline, in one undo step. */
export const addSceneMarkersCommand = timelineCommand<{ clipId: string; scenes: readonly { time: number }[] }>({
  name: 'timeline.addSceneMarkers',
  label: 'Mark scene cuts',
  operate: (s, args, opts) => addSceneMarkers(s, args, opts)
});
