import { createBlock, type BlockFields } from '../../model/schedule/operations';
import { scheduleCommand } from './schedule-command';

/** A new show on the week calendar (default: every day, soft start, in the station's zone). */
export const createBlockCommand = scheduleCommand<{ name: string; startMinute: number; durationMinutes: number } & BlockFields>({
  name: 'schedule.createBlock',
  label: 'New show',
  operate: (s, args, opts) => createBlock(s, args, opts)
});
