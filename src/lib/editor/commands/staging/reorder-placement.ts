import { reorderPlacement, type ReorderTo } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

/** ] one step up, [ one step down (Shift: to the front or back). */
export const reorderPlacementCommand = stagingCommand<{ id: string; to: ReorderTo }>({
  name: 'staging.reorderPlacement',
  label: 'Stacking order',
  keys: [']', '[', 'Shift-]', 'Shift-['],
  operate: (s, args) => reorderPlacement(s, args)
});
