import { setStatus } from '../../model/brief/operations';
import type { PhotoStatus } from '../../model/brief/snapshot';
import { briefCommand } from './brief-command';

/** To do, in progress, done (S cycles it on the board). */
export const setStatusCommand = briefCommand<{ photoIds: readonly string[]; status: PhotoStatus }>({
  name: 'brief.setStatus',
  label: 'Photo status',
  keys: ['s'],
  operate: (s, args) => setStatus(s, args)
});
