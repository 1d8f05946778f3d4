import { moveBlock } from '../../model/schedule/operations';
import { scheduleCommand } from './schedule-command';

/** A drag of a show on the week calendar: its days move with it. */
export const moveBlockCommand = scheduleCommand<{ blockId: string; startMinute: number; dayShift?: number }>({
  name: 'schedule.moveBlock',
  label: 'Move show',
  operate: (s, args, opts) => moveBlock(s, args, opts)
});
