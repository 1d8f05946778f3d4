import type { PlacementCorners } from '../../model/brief/placement';
import { setPerspective } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

/** The four corner handles (a corner drag writes all four: a perspective is one shape). */
export const setPerspectiveCommand = stagingCommand<{ id: string; corners: Partial<PlacementCorners> }>({
  name: 'staging.setPerspective',
  label: 'Perspective',
  operate: (s, args) => setPerspective(s, args)
});
