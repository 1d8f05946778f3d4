import { deleteBlock } from '../../model/schedule/operations';
import { scheduleCommand } from './schedule-command';

export const deleteBlockCommand = scheduleCommand<{ blockId: string }>({
  name: 'schedule.deleteBlock',
  label: 'Delete show',
  keys: ['Delete', 'Backspace'],
  operate: (s, args, opts) => deleteBlock(s, args, opts)
});
