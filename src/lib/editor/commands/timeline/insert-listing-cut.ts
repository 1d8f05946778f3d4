import { insertListingCut, type ListingCutArgs } from '../../model/timeline/listing-cut';
import { timelineCommand } from './timeline-command';

/** "Open in timeline": a rendered listing video's cut as clips after what the timeline holds, one undo step. */
export const insertListingCutCommand = timelineCommand<ListingCutArgs>({
  name: 'timeline.insertListingCut',
  label: 'Open listing video in timeline',
  operate: (s, args, opts) => insertListingCut(s, args, opts)
});
