import type { PlacementShadow } from '../../model/brief/placement';
import { setShadow } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

export const setShadowCommand = stagingCommand<{ id: string; patch: Partial<PlacementShadow> }>({
  name: 'staging.setShadow',
  label: 'Drop shadow',
  operate: (s, args) => setShadow(s, args)
});
