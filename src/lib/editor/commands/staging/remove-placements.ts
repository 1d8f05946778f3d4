import { removePlacements } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

export const removePlacementsCommand = stagingCommand<{ ids: readonly string[] }>({
  name: 'staging.removePlacements',
  label: 'Remove cut-out',
  keys: ['Delete', 'Backspace'],
  operate: (s, args) => removePlacements(s, args)
});
