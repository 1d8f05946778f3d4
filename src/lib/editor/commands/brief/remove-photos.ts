import { removePhotos } from '../../model/brief/operations';
import { briefCommand } from './brief-command';

export const removePhotosCommand = briefCommand<{ photoIds: readonly string[] }>({
  name: 'brief.removePhotos',
  label: 'Remove from brief',
  keys: ['Delete', 'Backspace'],
  operate: (s, args) => removePhotos(s, args)
});
