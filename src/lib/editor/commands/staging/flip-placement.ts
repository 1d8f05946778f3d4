import { flipPlacement } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

export const flipPlacementCommand = stagingCommand<{ id: string; flip?: boolean }>({
  name: 'staging.flipPlacement',
  label: 'Flip cut-out',
  keys: ['h'],
  operate: (s, args) => flipPlacement(s, args)
});
