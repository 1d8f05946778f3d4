import { setScheduleSettings } from '../../model/schedule/operations';
import type { ScheduleSettings } from '../../model/schedule/snapshot';
import { scheduleCommand } from './schedule-command';

/** The station's zone, the break between shows and the hard-start fade. */
export const setScheduleSettingsCommand = scheduleCommand<Partial<Pick<ScheduleSettings, 'timezone' | 'breakSeconds' | 'hardStartFadeSeconds'>>>({
  name: 'schedule.setSettings',
  label: 'Station settings',
  operate: (s, args, opts) => setScheduleSettings(s, args, opts)
});
