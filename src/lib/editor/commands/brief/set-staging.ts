import { setStaging } from '../../model/brief/operations';
import type { StagingInstruction } from '../../model/brief/snapshot';
import { briefCommand } from './brief-command';

/** Staging instruction fields of the selected photos: style, remove furniture, day to dusk, sky, notes. */
export const setStagingCommand = briefCommand<{ photoIds: readonly string[]; patch: Partial<StagingInstruction> }>({
  name: 'brief.setStaging',
  label: 'Staging instructions',
  operate: (s, args) => setStaging(s, args)
});
