import { addSpeechMarkers } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** Speech detection's segments in a clip's source as markers where each starts, in one undo step. */
export const addSpeechMarkersCommand = timelineCommand<{ clipId: string; speech: readonly { start: number; end: number }[] }>({
  name: 'timeline.addSpeechMarkers',
  label: 'Mark speech',
  operate: (s, args, opts) => addSpeechMarkers(s, args, opts)
});
