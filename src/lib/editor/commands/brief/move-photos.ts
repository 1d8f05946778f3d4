import { movePhotos } from '../../model/brief/operations';
import { briefCommand } from './brief-command';

/** Reorders photos (a drag on the board, or Alt+Arrow). */
export const movePhotosCommand = briefCommand<{ photoIds: readonly string[]; index: number }>({
  name: 'brief.movePhotos',
  label: 'Move photos',
  keys: ['Alt-ArrowLeft', 'Alt-ArrowRight', 'Alt-ArrowUp', 'Alt-ArrowDown'],
  operate: (s, args) => movePhotos(s, args)
});
