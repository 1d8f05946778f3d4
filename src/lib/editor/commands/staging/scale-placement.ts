import { scalePlacement } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

export const scalePlacementCommand = stagingCommand<{ id: string; width?: number; factor?: number }>({
  name: 'staging.scalePlacement',
  label: 'Scale cut-out',
  keys: ['+', '-'],
  operate: (s, args) => scalePlacement(s, args)
});
