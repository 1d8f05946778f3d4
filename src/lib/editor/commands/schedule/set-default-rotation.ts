import { setRotation } from '../../model/schedule/operations';
import type { PlaylistWeight } from '../../model/schedule/snapshot';
import { scheduleCommand } from './schedule-command';

/** What plays when no show does: playlists and weights. */
export const setDefaultRotationCommand = scheduleCommand<{ rotation: PlaylistWeight[] }>({
  name: 'schedule.setRotation',
  label: 'Default rotation',
  operate: (s, args, opts) => setRotation(s, args, opts)
});
