import { movePlacement } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

/** A drag (absolute centre) or an arrow-key nudge. */
export const movePlacementCommand = stagingCommand<{ id: string; x?: number; y?: number; dx?: number; dy?: number }>({
  name: 'staging.movePlacement',
  label: 'Move cut-out',
  keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'],
  operate: (s, args) => movePlacement(s, args)
});
