import { resizeBlock } from '../../model/schedule/operations';
import { scheduleCommand } from './schedule-command';

/** A drag of a show's start or end edge. */
export const resizeBlockCommand = scheduleCommand<{ blockId: string; edge: 'end'; durationMinutes: number } | { blockId: string; edge: 'start'; startMinute: number; dayShift?: number }>({
  name: 'schedule.resizeBlock',
  label: 'Resize show',
  operate: (s, args, opts) => resizeBlock(s, args, opts)
});
