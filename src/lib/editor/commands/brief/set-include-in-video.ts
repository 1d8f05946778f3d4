import { setIncludeInVideo } from '../../model/brief/operations';
import { briefCommand } from './brief-command';

export const setIncludeInVideoCommand = briefCommand<{ photoIds: readonly string[]; include: boolean }>({
  name: 'brief.setIncludeInVideo',
  label: 'In the video',
  keys: ['v'],
  operate: (s, args) => setIncludeInVideo(s, args)
});
