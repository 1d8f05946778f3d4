import { rotatePlacement } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

export const rotatePlacementCommand = stagingCommand<{ id: string; rotation?: number; by?: number }>({
  name: 'staging.rotatePlacement',
  label: 'Rotate cut-out',
  keys: ['r', 'Shift-r'],
  operate: (s, args) => rotatePlacement(s, args)
});
