import { editBlock, type BlockFields } from '../../model/schedule/operations';
import { scheduleCommand } from './schedule-command';

/** The show form: name, playlists and weights, days, dates, zone, hard or soft start, priority, prompt. */
export const editBlockCommand = scheduleCommand<{ blockId: string } & BlockFields>({
  name: 'schedule.editBlock',
  label: 'Edit show',
  operate: (s, args, opts) => editBlock(s, args, opts)
});
