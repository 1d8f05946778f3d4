import { addPlacement } from '../../model/brief/staging-operations';
import { stagingCommand } from './staging-command';

/** A kit cut-out onto the photo, on top (a drop from the kit tray). */
export const addPlacementCommand = stagingCommand<{ photoId: string; cutoutId: string; x?: number; y?: number; width?: number }>({
  name: 'staging.addPlacement',
  label: 'Place cut-out',
  operate: (s, args) => addPlacement(s, args)
});
